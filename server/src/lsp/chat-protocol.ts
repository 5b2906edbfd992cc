// The dbEngineer/chatContext request, shared by the server's handler and the VS Code client. No
// imports, so the client bundles only these few lines of the server.

export type ChipKind = 'file' | 'selection' | 'schema' | 'findings';
/** One piece of context the user sees before sending: what it is and how large. */
export interface ContextChip { kind: ChipKind; label: string; chars: number }

export const CHAT_CONTEXT_REQUEST = 'dbEngineer/chatContext';

export interface LspRange { start: { line: number; character: number }; end: { line: number; character: number } }
/** No uri: the client has no SQL editor. With a range: the selected lines; with a rule: also that finding's statement and rationale. */
export interface ChatContextParams { uri?: string; range?: LspRange; budgetChars?: number; rule?: string }
export interface ChatContextResult {
  chips: ContextChip[]; text: string; statement?: string; rationale?: string;
  /** The file's dialect when it is not PostgreSQL ('mysql' | 'mariadb'): the system prompt names it (chat/persona-source.ts withDialect). */
  dialect?: 'postgres' | 'mysql' | 'mariadb';
}
