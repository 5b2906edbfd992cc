// Messages between the chat webview and the extension host. Both sides import these types; every
// message is validated on receipt (isFromWebview) because a webview is an untrusted boundary.

import type { ContextChip } from '../../../server/src/lsp/chat-protocol';
export type Chip = ContextChip;
export interface Usage { input: number; output: number; cacheRead: number; cacheWrite: number }
export interface ChatTurn { role: 'user' | 'assistant'; text: string; usage?: Usage; error?: string }
export interface PersonaInfo { name: string; description: string }

export type ToWebview =
  | { type: 'init'; personas: PersonaInfo[]; persona: string; history: ChatTurn[]; model: string; trusted: boolean }
  | { type: 'context'; chips: Chip[] }
  | { type: 'start'; id: string; question: string }
  | { type: 'delta'; id: string; text: string }
  | { type: 'usage'; id: string; usage: Usage }
  | { type: 'retry'; id: string; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; id: string }
  | { type: 'error'; id: string; message: string; action?: 'setKey' | 'retry' }
  | { type: 'prefill'; text: string }
  | { type: 'cleared' };

export type CodeAction = 'copy' | 'insert' | 'saveMigration' | 'applyEdit';

export type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  | { type: 'newChat' }
  | { type: 'pickPersona'; name: string }
  /** answer / block (Save as migration): the answer's markdown and which fenced block of it, so its rollback block is found. */
  | { type: 'code'; action: CodeAction; code: string; lang?: string; answer?: string; block?: number }
  | { type: 'setKey' }
  /** Restricted Mode: open VS Code's workspace trust editor. */
  | { type: 'manageTrust' }
  | { type: 'retry' };

const str = (v: unknown, max = 200_000): v is string => typeof v === 'string' && v.length <= max;

/** Validates a message from the webview; anything malformed is dropped by the caller. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (!m || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case 'ready': case 'stop': case 'newChat': case 'setKey': case 'retry': case 'manageTrust': return true;
    case 'send': return str(x.text, 20_000) && x.text.trim().length > 0;
    case 'pickPersona': return str(x.name, 200);
    case 'code': return ['copy', 'insert', 'saveMigration', 'applyEdit'].includes(x.action as string) && str(x.code) && (x.lang === undefined || str(x.lang, 40))
      && (x.answer === undefined || str(x.answer)) && (x.block === undefined || (Number.isInteger(x.block) && (x.block as number) >= 0 && (x.block as number) < 10_000));
    default: return false;
  }
}
