// One turn of the agent: the Anthropic Messages API with the tools (tool_choice auto), called again
// with each round's tool results until the model answers without asking for a tool, the user cancels,
// or the bound on tool calls is reached. Shared by `dbe ask` and the chat panel; the caller decides how
// a tool runs (the CLI calls runTool, the editor asks the language server).
import Anthropic from '@anthropic-ai/sdk';
import type { AskOptions, AskResult, RetryInfo, Usage } from '../chat/client';
import {
  buildRequest, cancelled, ChatError, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, fmtDelay, NO_KEY_MESSAGE,
  retryDelay, scrubSecret, sleep, timeoutMessage, toChatError,
} from '../chat/client';
import type { ToolName, ToolResult } from './tool';
import { anthropicTools } from './tools';

/** Tool calls one turn may make before the model is asked to answer with what it has. */
export const DEFAULT_MAX_TOOL_CALLS = 8;

/** What a tool_use whose input did not parse gets back (the tool is not run). */
export const BAD_JSON_RESULT = 'the input was not valid JSON; call the tool again with a JSON object that fits its input schema';
/** What each tool_use past the bound gets back (the tool is not run). */
export const TOOL_LIMIT_RESULT = 'tool limit reached; answer with what you have';

export interface AgentStep {
  /** The tool_use id. */
  id: string;
  tool: string;
  input: unknown;
  state: 'running' | 'done' | 'error';
  /** One line for the user ("explained the query: cost 248 → 11.6"); while running, what is being done. */
  summary: string;
  /** The text the model received (done or error). */
  result?: string;
}

export interface AgentTurnOptions extends Omit<AskOptions, 'onText'> {
  /** The tools offered (default: all). */
  tools?: readonly ToolName[];
  /** Runs one tool call; never rejects (runTool's contract). */
  callTool(name: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolResult>;
  maxToolCalls?: number;
  /** The system block after the persona that says how to use the tools (default TOOLS_GUIDANCE). */
  toolsGuidance?: string;
  onText(text: string): void;
  /** A step began (state 'running') or ended ('done' / 'error'): same id both times. */
  onStep?(step: AgentStep): void;
}

export interface AgentTurnResult extends AskResult {
  steps: AgentStep[];
  /** Why the turn ended early, said to the user: 'max_tokens' (the answer was cut) or 'tool_limit'. */
  cut?: 'max_tokens' | 'tool_limit';
  /** The sentence for the user when `cut` is set. */
  notice?: string;
  /** Every request body sent, in order (for tests and the closing note's captured exchange). */
  requests?: unknown[];
}

// ---- the request ----

type CacheControl = { type: 'ephemeral' };
type TextBlock = { type: 'text'; text: string; cache_control?: CacheControl; [k: string]: unknown };
type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: unknown; [k: string]: unknown };
type ToolResultBlock = { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean; cache_control?: CacheControl };
type AnyBlock = TextBlock | ToolUseBlock | ToolResultBlock | { type: string; [k: string]: unknown };
type Message = { role: 'user' | 'assistant'; content: string | AnyBlock[] };

export interface AgentRequest {
  model: string;
  max_tokens: number;
  system: TextBlock[];
  tools: unknown[];
  tool_choice: { type: 'auto' } | { type: 'none' };
  messages: Message[];
}

/**
 * The body of one request of the turn: buildRequest's layout (persona and project context cached),
 * the tools (the last one marked for caching, so tools + system form the first cached prefix), and
 * the conversation so far. Only the newest tool_result carries a cache mark: four breakpoints at most.
 */
export function buildAgentRequest(
  o: Pick<AgentTurnOptions, 'model' | 'maxTokens' | 'system' | 'context' | 'question' | 'history' | 'tools' | 'toolsGuidance'>,
  rounds: Message[],
  choice: 'auto' | 'none' = 'auto',
): AgentRequest {
  const base = buildRequest(o);
  // The persona stays the first system block as it is; the guidance follows and closes the cached prefix.
  const system: TextBlock[] = [{ type: 'text', text: o.system }, { type: 'text', text: o.toolsGuidance ?? TOOLS_GUIDANCE, cache_control: { type: 'ephemeral' } }];
  const tools: any[] = anthropicTools(o.tools).map((t) => ({ ...t }));
  if (tools.length) tools[tools.length - 1].cache_control = { type: 'ephemeral' };
  const messages: Message[] = [...(base.messages as Message[]), ...rounds.map(copyMessage)];
  const last = messages[messages.length - 1];
  if (rounds.length && last.role === 'user' && Array.isArray(last.content) && last.content.length) {
    (last.content[last.content.length - 1] as ToolResultBlock).cache_control = { type: 'ephemeral' };
  }
  return { model: base.model, max_tokens: base.max_tokens, system, tools, tool_choice: { type: choice }, messages };
}

function copyMessage(m: Message): Message {
  return { role: m.role, content: typeof m.content === 'string' ? m.content : m.content.map((b) => ({ ...b })) };
}

// ---- the turn ----

export async function runAgentTurn(o: AgentTurnOptions): Promise<AgentTurnResult> {
  const key = o.apiKey?.trim();
  if (!key) throw new ChatError('no-key', NO_KEY_MESSAGE);
  const scrub = (s: string) => scrubSecret(s, key);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = o.maxRetries ?? DEFAULT_MAX_RETRIES;
  const base = o.retryBaseMs ?? 1000;
  const maxToolCalls = Math.max(0, o.maxToolCalls ?? DEFAULT_MAX_TOOL_CALLS);
  const client = new Anthropic({ apiKey: key, baseURL: o.baseURL || undefined, maxRetries: 0, timeout: timeoutMs, logLevel: 'off' });

  const rounds: Message[] = [];
  const requests: AgentRequest[] = [];
  const steps: AgentStep[] = [];
  const usage: Usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  let text = '';
  let model = o.model;
  let calls = 0;
  let limited = false;
  let roundStart = false;
  const emit = (t: string) => {
    // Each round's text follows the last as a new paragraph (the steps sit between them in the panel).
    if (t && text && roundStart && !text.endsWith('\n\n')) {
      const sep = text.endsWith('\n') ? '\n' : '\n\n';
      text += sep;
      o.onText(sep);
    }
    roundStart = false;
    text += t;
    o.onText(t);
  };

  for (;;) {
    const body = buildAgentRequest(o, rounds, limited ? 'none' : 'auto');
    requests.push(body);
    roundStart = true;
    const reply = await requestWithRetries(client, body, o, timeoutMs, maxRetries, base, emit, scrub);
    for (const k of Object.keys(usage) as (keyof Usage)[]) usage[k] += reply.usage[k];
    model = reply.model;
    const uses = reply.blocks.filter((b): b is ToolUseBlock & { bad?: boolean } => b.type === 'tool_use');
    const done = (extra: Partial<AgentTurnResult> = {}): AgentTurnResult => {
      const r: AgentTurnResult = { text, usage, stopReason: reply.stopReason, model, steps, requests, ...extra };
      o.onUsage?.({ ...usage });
      return r;
    };
    if (reply.stopReason === 'max_tokens') {
      const notice = `The answer was cut at the max-tokens limit (${o.maxTokens} tokens); ask to continue or raise the limit.`;
      return done({ cut: 'max_tokens', notice: limited ? `${toolLimitNotice(maxToolCalls)} ${notice}` : notice });
    }
    if (limited) return done({ cut: 'tool_limit', notice: toolLimitNotice(maxToolCalls) });
    if (reply.stopReason !== 'tool_use' || uses.length === 0) return done();

    // Run the tools the model asked for, in order; the round's results go back in one user message.
    const results: ToolResultBlock[] = [];
    for (const use of uses) {
      if (o.signal?.aborted) throw cancelled();
      const step: AgentStep = { id: use.id, tool: use.name, input: use.input, state: 'running', summary: `${use.name}…` };
      if (calls >= maxToolCalls) {
        limited = true;
        finish(step, 'error', `${use.name}: not run (tool limit of ${maxToolCalls} reached)`, TOOL_LIMIT_RESULT);
        results.push({ type: 'tool_result', tool_use_id: use.id, content: TOOL_LIMIT_RESULT, is_error: true });
        continue;
      }
      calls++;
      o.onStep?.({ ...step });
      if (use.bad) {
        finish(step, 'error', `${use.name}: the input was not valid JSON`, BAD_JSON_RESULT);
        results.push({ type: 'tool_result', tool_use_id: use.id, content: BAD_JSON_RESULT, is_error: true });
        continue;
      }
      let r: ToolResult;
      try {
        r = await untilCancelled(o.callTool(use.name, use.input, o.signal), o.signal);
      } catch (e) {
        if (o.signal?.aborted || (e instanceof ChatError && e.kind === 'cancelled')) {
          finish(step, 'error', `${use.name}: cancelled`, 'Cancelled by the user.');
          throw cancelled();
        }
        // callTool should never reject; if it does, the model hears one line, never a stack.
        const msg = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
        r = { text: `${use.name} failed: ${msg}`, summary: `${use.name} failed`, isError: true };
      }
      const content = scrub(r.text || (r.isError ? `${use.name} failed` : '(no output)'));
      finish(step, r.isError ? 'error' : 'done', scrub(r.summary || use.name), content);
      results.push({ type: 'tool_result', tool_use_id: use.id, content, ...(r.isError ? { is_error: true } : {}) });
    }
    if (o.signal?.aborted) throw cancelled();
    rounds.push({ role: 'assistant', content: reply.blocks.map(({ bad: _b, ...b }: any) => b) });
    rounds.push({ role: 'user', content: results });
  }

  function finish(step: AgentStep, state: 'done' | 'error', summary: string, result: string): void {
    step.state = state;
    step.summary = summary;
    step.result = result;
    steps.push(step);
    o.onStep?.({ ...step });
  }
}

function toolLimitNotice(n: number): string {
  return `The turn reached its limit of ${n} tool calls; the answer uses what those calls found.`;
}

/** Resolves as p does, or rejects with 'cancelled' as soon as the signal fires (the tool has it too). */
function untilCancelled<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(cancelled());
    signal.addEventListener('abort', stop, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', stop); resolve(v); },
      (e) => { signal.removeEventListener('abort', stop); reject(e); },
    );
  });
}

// ---- one streamed request ----

interface Reply {
  blocks: (AnyBlock & { bad?: boolean })[];
  usage: Usage;
  stopReason: string | null;
  model: string;
}

async function requestWithRetries(
  client: Anthropic, body: AgentRequest, o: AgentTurnOptions, timeoutMs: number, maxRetries: number, base: number,
  emit: (t: string) => void, scrub: (s: string) => string,
): Promise<Reply> {
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw cancelled();
    let emitted = false;
    try {
      return await streamOnce(client, body, o, timeoutMs, (t) => { emitted = true; emit(t); });
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

async function streamOnce(client: Anthropic, body: AgentRequest, o: AgentTurnOptions, timeoutMs: number, emit: (t: string) => void): Promise<Reply> {
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
  const blocks: (AnyBlock & { bad?: boolean })[] = [];
  const json = new Map<number, string>();
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
        case 'content_block_start': {
          const b = { ...(ev.content_block ?? { type: 'text', text: '' }) };
          if (b.type === 'text') b.text = typeof b.text === 'string' ? b.text : '';
          if (b.type === 'tool_use') json.set(ev.index, '');
          blocks[ev.index] = b;
          if (b.type === 'text' && b.text) emit(b.text);
          break;
        }
        case 'content_block_delta': {
          const b: any = blocks[ev.index];
          const d = ev.delta;
          if (d?.type === 'text_delta' && typeof d.text === 'string') {
            if (b && b.type === 'text') b.text += d.text;
            else blocks[ev.index] = { type: 'text', text: d.text };
            if (d.text) emit(d.text);
          } else if (d?.type === 'input_json_delta' && json.has(ev.index)) {
            json.set(ev.index, json.get(ev.index)! + (d.partial_json ?? ''));
          } else if (d?.type === 'thinking_delta' && b) {
            b.thinking = (b.thinking ?? '') + (d.thinking ?? '');
          } else if (d?.type === 'signature_delta' && b) {
            b.signature = d.signature;
          } else if (d?.type === 'citations_delta' && b) {
            (b.citations ??= []).push(d.citation);
          }
          break;
        }
        case 'content_block_stop': {
          const b: any = blocks[ev.index];
          if (b?.type === 'tool_use' && json.has(ev.index)) {
            const raw = json.get(ev.index)!.trim();
            json.delete(ev.index);
            if (!raw) b.input = {};
            else {
              try {
                const v = JSON.parse(raw);
                if (v !== null && typeof v === 'object' && !Array.isArray(v)) b.input = v;
                else { b.input = {}; b.bad = true; }
              } catch { b.input = {}; b.bad = true; }
            }
          }
          break;
        }
        case 'message_delta':
          merge(ev.usage);
          if (ev.delta?.stop_reason !== undefined) stopReason = ev.delta.stop_reason;
          break;
      }
    }
    if (timedOut) throw new ChatError('timeout', timeoutMessage(timeoutMs));
    if (o.signal?.aborted) throw cancelled();
    // A tool_use block that never reached content_block_stop (cut off) is not run.
    for (const [i] of json) { const b: any = blocks[i]; if (b) { b.input = {}; b.bad = true; } }
    return { blocks: blocks.filter(Boolean).filter((b: any) => !(b.type === 'text' && !b.text)), usage, stopReason, model };
  } catch (e) {
    if (timedOut && !(e instanceof ChatError)) throw new ChatError('timeout', timeoutMessage(timeoutMs));
    throw e;
  } finally {
    if (idle) clearTimeout(idle);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Said to the model after the persona, as a system block of its own, in every turn with tools: how to
 * use them (measure rather than guess; say what the sandbox's data is; never write unasked).
 */
export const TOOLS_GUIDANCE = '## Tools\n\n'
  + 'You can call DB Engineer\'s tools. Use them when a measurement or a lookup beats a guess: describe_table for a table '
  + 'the context lacks, explain_query or compare_index for a plan or an index (the embedded PostgreSQL replays the '
  + 'project\'s migrations on generated rows: its costs compare designs, they do not predict production timings; say so), '
  + 'validate_migration before you recommend a migration and its rollback. Call write_migration only when the user asked '
  + 'for the files; the user confirms every write. Keep calls few; when a tool reports an error, say what it means or try once more.';
