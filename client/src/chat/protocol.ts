// Messages between the chat webview and the extension host. Both sides import these types; every
// message is validated on receipt (isFromWebview) because a webview is an untrusted boundary.

import type { ContextChip } from '../../../server/src/lsp/chat-protocol';
export type Chip = ContextChip;
export interface Usage { input: number; output: number; cacheRead: number; cacheWrite: number }
/**
 * One tool call of an agent turn, as the panel shows it: a collapsible row ("explained the query: cost
 * 248 → 11.6") whose body is the input and the result text. `at` is where in the turn's text the step
 * came (text that arrived before it is shown above it).
 */
export interface StepInfo {
  id: string;
  tool: string;
  state: 'running' | 'done' | 'error';
  summary: string;
  input?: unknown;
  result?: string;
  at?: number;
}
export interface ChatTurn {
  role: 'user' | 'assistant'; text: string; usage?: Usage; error?: string;
  /** Tool calls of an agent turn, in order (stored bounded: see session.ts MAX_STEP_CHARS). */
  steps?: StepInfo[];
  /** Why the answer ended early ("The answer was cut off at the token limit…"). */
  notice?: string;
}
export interface PersonaInfo { name: string; description: string }

export type ToWebview =
  | { type: 'init'; personas: PersonaInfo[]; persona: string; history: ChatTurn[]; model: string; trusted: boolean }
  | { type: 'context'; chips: Chip[] }
  | { type: 'start'; id: string; question: string }
  | { type: 'delta'; id: string; text: string }
  | { type: 'usage'; id: string; usage: Usage }
  | { type: 'retry'; id: string; attempt: number; delayMs: number; reason: string }
  /** A tool call began or ended (same step.id both times). */
  | { type: 'step'; id: string; step: StepInfo }
  /** `notice`: the turn ended early (max_tokens, the bound on tool calls) and says so. */
  | { type: 'done'; id: string; notice?: string }
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

const STEP_STATES = new Set(['running', 'done', 'error']);

/** Validates a step as the webview receives it (a message from the host, or a stored turn). */
export function isStepInfo(s: unknown): s is StepInfo {
  if (!s || typeof s !== 'object') return false;
  const x = s as Record<string, unknown>;
  return str(x.id, 200) && str(x.tool, 100) && STEP_STATES.has(x.state as string) && str(x.summary, 2_000)
    && (x.result === undefined || str(x.result, 200_000)) && (x.at === undefined || (typeof x.at === 'number' && Number.isInteger(x.at) && x.at >= 0));
}
