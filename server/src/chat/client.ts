// Asking Claude: one streamed Messages API call through @anthropic-ai/sdk, shared by the CLI and the
// editor panel. The persona (system) and the project context form a stable prefix marked for prompt
// caching; the question follows it. Failures become a ChatError whose message says what happened and
// what to do. The API key never appears in a message: every message is scrubbed of it.
import Anthropic, {
  APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AuthenticationError,
  PermissionDeniedError, RateLimitError,
} from '@anthropic-ai/sdk';

/**
 * Default model. Of the ids the installed SDK (1.10.0) lists in its `Model` type, the Sonnet class
 * ones are claude-sonnet-5-5, claude-sonnet-5, claude-sonnet-4-6 and claude-sonnet-4-5(-20250929);
 * the SDK's DEPRECATED_MODELS table marks claude-sonnet-4-5 (end of life 2026-11-30), and
 * claude-sonnet-5-5 is the newest Sonnet it lists (first in the union, highest version). Sonnet is the
 * balance of quality, latency and price a review-as-you-type assistant wants; pass --model (or the
 * panel setting) for Opus or Haiku.
 */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';
export const DEFAULT_MAX_TOKENS = 4096;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 3;

export type ChatErrorKind =
  | 'no-key' | 'auth' | 'permission' | 'rate-limited' | 'overloaded' | 'offline' | 'timeout' | 'cancelled'
  | 'bad-request' | 'server' | 'other';

export class ChatError extends Error {
  constructor(readonly kind: ChatErrorKind, message: string, readonly status?: number) {
    super(message);
    this.name = 'ChatError';
  }
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  maxRetries: number;
  delayMs: number;
  kind: 'rate-limited' | 'overloaded' | 'server';
  /** e.g. "rate limited (429); retrying in 2s (1 of 3)". */
  message: string;
}

export interface HistoryTurn { role: 'user' | 'assistant'; content: string }

export interface AskOptions {
  apiKey: string | undefined;
  baseURL?: string;
  model: string;
  maxTokens: number;
  /** The persona. */
  system: string;
  /** The project context (buildContext(...).text). */
  context: string;
  question: string;
  /** Earlier turns of the conversation, oldest first, starting with a user turn. */
  history?: HistoryTurn[];
  signal?: AbortSignal;
  onText: (text: string) => void;
  onUsage?: (usage: Usage) => void;
  onRetry?: (info: RetryInfo) => void;
  /** No response (or no stream event) for this long is a timeout. Default 60 s. */
  timeoutMs?: number;
  /** Retries of 429/529 (and 500/502/503/504) before any text arrived. Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubled per retry, capped at 30 s. A retry-after header wins. Default 1 s. */
  retryBaseMs?: number;
}

export interface AskResult { text: string; usage: Usage; stopReason: string | null; model: string }

export const NO_KEY_MESSAGE = 'no Anthropic API key: set ANTHROPIC_API_KEY or run DB Engineer: Set Anthropic API Key';

type Block = { type: 'text'; text: string; cache_control?: { type: 'ephemeral' } };
type MessageParam = { role: 'user' | 'assistant'; content: string | Block[] };

/** The request body (without `stream`); exported for tests and for showing what is sent. */
export function buildRequest(o: Pick<AskOptions, 'model' | 'maxTokens' | 'system' | 'context' | 'question' | 'history'>): {
  model: string; max_tokens: number; system: Block[]; messages: MessageParam[];
} {
  const system: Block[] = [{ type: 'text', text: o.system, cache_control: { type: 'ephemeral' } }];
  const contextBlock: Block = {
    type: 'text',
    text: `Project context from DB Engineer (the user's SQL, the schema it touches and the static-analysis findings):\n\n${o.context}`,
    cache_control: { type: 'ephemeral' },
  };
  const turns = normaliseHistory(o.history ?? []);
  const messages: MessageParam[] = [];
  if (turns.length === 0) {
    messages.push({ role: 'user', content: [contextBlock, { type: 'text', text: o.question }] });
  } else {
    // The context rides in the first user turn so that it stays part of the cached prefix.
    messages.push({ role: 'user', content: [contextBlock, { type: 'text', text: turns[0].content }] });
    for (const t of turns.slice(1)) messages.push({ role: t.role, content: t.content });
    messages.push({ role: 'user', content: o.question });
  }
  return { model: o.model, max_tokens: o.maxTokens, system, messages };
}

/** Drops empty turns, starts with a user turn, merges same-role neighbours, ends with an assistant turn. */
function normaliseHistory(h: HistoryTurn[]): HistoryTurn[] {
  const out: HistoryTurn[] = [];
  for (const t of h) {
    if (!t.content || !t.content.trim()) continue;
    if (!out.length && t.role !== 'user') continue;
    const last = out[out.length - 1];
    if (last && last.role === t.role) last.content += '\n\n' + t.content;
    else out.push({ role: t.role, content: t.content });
  }
  while (out.length && out[out.length - 1].role !== 'assistant') out.pop();
  return out;
}

/** Streams one answer. Resolves with the whole text and usage; rejects with a ChatError. */
export async function askStream(o: AskOptions): Promise<AskResult> {
  const key = o.apiKey?.trim();
  if (!key) throw new ChatError('no-key', NO_KEY_MESSAGE);
  const scrub = (s: string) => scrubSecret(s, key);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = o.maxRetries ?? DEFAULT_MAX_RETRIES;
  const base = o.retryBaseMs ?? 1000;
  const client = new Anthropic({
    apiKey: key,
    baseURL: o.baseURL || undefined,
    maxRetries: 0, // retries are ours, so each one can be reported
    timeout: timeoutMs,
    logLevel: 'off',
  });
  const body = buildRequest(o);
  let emitted = '';
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw cancelled();
    try {
      return await once(client, body, o, timeoutMs, (t) => { emitted += t; o.onText(t); });
    } catch (e) {
      const err = toChatError(e, o.signal, timeoutMs);
      const retryable = err.kind === 'rate-limited' || err.kind === 'overloaded' || (err.kind === 'server' && [500, 502, 503, 504].includes(err.status ?? 0));
      if (!retryable || emitted || attempt >= maxRetries) throw new ChatError(err.kind, scrub(err.message), err.status);
      const delayMs = retryDelay(e, attempt, base);
      const what = err.kind === 'rate-limited' ? 'rate limited (429)' : err.kind === 'overloaded' ? 'Anthropic API overloaded (529)' : `server error (${err.status})`;
      o.onRetry?.({
        attempt: attempt + 1, maxRetries, delayMs, kind: err.kind as RetryInfo['kind'],
        message: `${what}; retrying in ${fmtDelay(delayMs)} (${attempt + 1} of ${maxRetries})`,
      });
      await sleep(delayMs, o.signal);
    }
  }
}

async function once(client: Anthropic, body: ReturnType<typeof buildRequest>, o: AskOptions, timeoutMs: number, emit: (t: string) => void): Promise<AskResult> {
  // Our own controller: it carries the caller's cancel and the idle timeout while streaming.
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => { timedOut = true; ctl.abort(); }, timeoutMs);
  };
  const usage: Usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const merge = (u: any) => {
    if (!u) return;
    for (const k of Object.keys(usage) as (keyof Usage)[]) if (typeof u[k] === 'number') usage[k] = u[k];
  };
  let text = '';
  let stopReason: string | null = null;
  let model = body.model;
  try {
    arm();
    const stream = await client.messages.create({ ...body, stream: true } as any, { signal: ctl.signal, timeout: timeoutMs }) as unknown as AsyncIterable<any>;
    arm();
    for await (const ev of stream) {
      arm();
      switch (ev.type) {
        case 'message_start':
          merge(ev.message?.usage);
          if (ev.message?.model) model = ev.message.model;
          break;
        case 'content_block_delta':
          if (ev.delta?.type === 'text_delta' && ev.delta.text) { text += ev.delta.text; emit(ev.delta.text); }
          break;
        case 'message_delta':
          merge(ev.usage);
          if (ev.delta?.stop_reason !== undefined) stopReason = ev.delta.stop_reason;
          break;
      }
    }
    // The SDK ends iteration quietly when the request is aborted.
    if (timedOut) throw new ChatError('timeout', timeoutMessage(timeoutMs));
    if (o.signal?.aborted) throw cancelled();
    o.onUsage?.({ ...usage });
    return { text, usage, stopReason, model };
  } catch (e) {
    if (timedOut && !(e instanceof ChatError)) throw new ChatError('timeout', timeoutMessage(timeoutMs));
    throw e;
  } finally {
    if (idle) clearTimeout(idle);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

export function cancelled(): ChatError { return new ChatError('cancelled', 'request cancelled'); }
export function timeoutMessage(ms: number): string {
  return `the Anthropic API did not answer within ${fmtDelay(ms)} (timeout); try again, or check your network or proxy`;
}

/** Maps anything askStream can meet to a ChatError with a message a user can act on. */
export function toChatError(e: unknown, signal?: AbortSignal, timeoutMs = DEFAULT_TIMEOUT_MS): ChatError {
  if (e instanceof ChatError) return e;
  if (signal?.aborted) return cancelled();
  if (e instanceof APIUserAbortError) return cancelled();
  if (e instanceof APIConnectionTimeoutError) return new ChatError('timeout', timeoutMessage(timeoutMs));
  if (e instanceof APIConnectionError) {
    return new ChatError('offline', 'cannot reach the Anthropic API (offline, connection refused or blocked by a proxy/firewall); check your network connection' + (process.env.ANTHROPIC_BASE_URL ? ' and ANTHROPIC_BASE_URL' : '') + ', then try again');
  }
  if (e instanceof AuthenticationError) {
    return new ChatError('auth', 'the Anthropic API rejected the API key (401); check ANTHROPIC_API_KEY or run DB Engineer: Set Anthropic API Key', 401);
  }
  if (e instanceof PermissionDeniedError) {
    return new ChatError('permission', `the API key may not use this model or feature (403): ${apiDetail(e)}`, 403);
  }
  if (e instanceof RateLimitError) {
    return new ChatError('rate-limited', 'rate limited by the Anthropic API (429); wait a minute and try again, or check your plan\'s limits', 429);
  }
  if (e instanceof APIError) {
    const type = (e.error as any)?.error?.type ?? (e.error as any)?.type;
    if (e.status === 529 || type === 'overloaded_error') {
      return new ChatError('overloaded', 'the Anthropic API is overloaded (529); try again in a little while', e.status ?? 529);
    }
    if (type === 'rate_limit_error') return new ChatError('rate-limited', 'rate limited by the Anthropic API (429); wait a minute and try again', 429);
    if (e.status === 400 || e.status === 404 || e.status === 413 || e.status === 422) {
      return new ChatError('bad-request', `the Anthropic API refused the request (${e.status}): ${apiDetail(e)}`, e.status);
    }
    if (typeof e.status === 'number' && e.status >= 500) {
      return new ChatError('server', `the Anthropic API failed (${e.status}); try again later`, e.status);
    }
    return new ChatError('other', `the Anthropic API returned an error${e.status ? ` (${e.status})` : ''}: ${apiDetail(e)}`, e.status);
  }
  const msg = (e as any)?.message ?? String(e);
  return new ChatError('other', `the request failed: ${String(msg).split('\n')[0]}`);
}

function apiDetail(e: APIError): string {
  const m = (e.error as any)?.error?.message ?? (e.error as any)?.message;
  return String(m ?? e.message ?? 'unknown error').split('\n')[0].slice(0, 300);
}

export function retryDelay(e: unknown, attempt: number, base: number): number {
  const h: Headers | undefined = (e as any)?.headers;
  const ms = Number(h?.get?.('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && h?.get?.('retry-after-ms') != null) return Math.min(ms, 60_000);
  const s = h?.get?.('retry-after');
  if (s != null) {
    const n = Number(s);
    if (Number.isFinite(n) && n >= 0) return Math.min(n * 1000, 60_000);
    const at = Date.parse(s);
    if (Number.isFinite(at)) return Math.max(0, Math.min(at - Date.now(), 60_000));
  }
  return Math.min(base * 2 ** attempt, 30_000);
}

export function fmtDelay(ms: number): string { return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`; }

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(cancelled()); return; }
    const done = () => { signal?.removeEventListener('abort', stop); resolve(); };
    const t = setTimeout(done, ms);
    const stop = () => { clearTimeout(t); reject(cancelled()); };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Replaces the secret (and any sk-ant-… looking token) in s. */
export function scrubSecret(s: string, secret?: string): string {
  let out = s;
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/sk-ant-[A-Za-z0-9_-]{8,}/g, '[redacted]');
}
