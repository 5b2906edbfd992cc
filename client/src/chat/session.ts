// The chat panel's brain, free of `vscode` so it runs (and is tested) in plain Node: it takes the
// webview's messages, asks the persona through the shared client (server/src/chat/client.ts) and
// streams the answer back as protocol messages (to `post`). Everything editor-specific (the key store,
// the language server's context request, history storage, code-block actions) comes in through ChatHost.
import { askStream, ChatError, type HistoryTurn, type Usage as ApiUsage } from '../../../server/src/chat/client';
import { expandSlash } from '../../../server/src/chat/commands';
import { FALLBACK_PERSONA, withDialect } from '../../../server/src/chat/persona-source';
import type { ChatContextParams, ChatContextResult } from '../../../server/src/lsp/chat-protocol';
import type { AgentToolAnswer } from '../../../server/src/lsp/agent-protocol';
import { runAgentTurn, type AgentStep, type AgentTurnOptions, type AgentTurnResult } from '../../../server/src/agent/loop';
import type { ToolResult } from '../../../server/src/agent/tool';
import type { Persona } from '../../../server/src/persona';
import { isFromWebview, isStepInfo, type ChatTurn, type CodeAction, type FromWebview, type StepInfo, type ToWebview, type Usage } from './protocol';

/** What the question is about: the active editor (with its selection) when undefined, or a finding. */
export type ContextTarget = Pick<ChatContextParams, 'uri' | 'range' | 'rule'>;

export interface ChatSettings {
  model: string; maxTokens: number; baseURL?: string; timeoutMs?: number;
  /** dbEngineer.chat.tools: the model may call DB Engineer's tools (default true); false: a plain answer. */
  tools?: boolean;
}

/** Files write_migration proposes in the editor (AgentToolAnswer.proposed). */
export type ProposedFiles = NonNullable<AgentToolAnswer['proposed']>;

/** What became of a proposal after the user was asked. */
export interface WriteOutcome {
  written: boolean;
  /** The project-relative paths written, or the ones that were not. */
  paths: string[];
  /** Why nothing was written: the user said no, a file is already there, the edit failed. */
  reason?: 'declined' | 'exists' | 'failed';
  /** With 'exists' / 'failed': the file concerned or VS Code's message. */
  detail?: string;
}

/** Runs one agent turn: runAgentTurn (server/src/agent/loop.ts); tests pass their own. */
export type TurnRunner = (o: AgentTurnOptions) => Promise<AgentTurnResult>;

export type StoredTurn = ChatTurn;
export interface StoredChat { persona?: string; turns: StoredTurn[] }

export interface ChatHost {
  apiKey(): Promise<string | undefined>;
  settings(): ChatSettings;
  /** Context for the active editor (target undefined) or for a given target. Never rejects. */
  context(target?: ContextTarget): Promise<ChatContextResult>;
  /** Personas on offer (the built-in one first); problems loading the others go to `warn`. */
  personas(): Persona[];
  trusted(): boolean;
  loadChat(): StoredChat | undefined;
  saveChat(chat: StoredChat): void;
  /** extra (Save as migration): the answer the block is in and its index, for the rollback block. */
  code(action: CodeAction, code: string, lang?: string, extra?: { answer?: string; block?: number }): Promise<void>;
  setKey(): Promise<void>;
  /** Restricted Mode: VS Code's trust editor (workbench.trust.manage). */
  manageTrust?(): Promise<void>;
  /**
   * One tool call through the language server (dbEngineer/agentTool, about the active SQL document);
   * aborting `signal` cancels the request. Never rejects. Absent: the chat answers without tools.
   */
  callTool?(name: string, input: unknown, signal: AbortSignal | undefined): Promise<AgentToolAnswer>;
  /** Asks the user (modal) to create the proposed files and creates them when allowed, never overwriting. */
  confirmWrite?(proposed: ProposedFiles): Promise<WriteOutcome>;
}

/** History kept per workspace: enough for a long session, bounded so the state stays small. */
export const MAX_STORED_TURNS = 60;
/** Turns sent back to the model as conversation history (the newest ones). */
export const MAX_HISTORY_TURNS = 20;
/** Said under an answer that ended on max_tokens (without tools; the agent loop words its own). */
export const CUT_NOTICE = 'The answer was cut off at the length limit (dbEngineer.chat.maxTokens); ask for the rest or raise the limit.';
/** A stored step keeps this much of its result (and of each input string): history stays small. */
export const MAX_STEP_CHARS = 2_000;

export class ChatSession {
  private chat: StoredChat;
  private running: { id: string; ctl: AbortController } | undefined;
  private lastFailed: string | undefined;
  /** A finding the next question is about (from "Ask DB Engineer about ..."). */
  private pinned: ContextTarget | undefined;
  private seq = 0;

  constructor(private readonly host: ChatHost, private readonly post: (message: ToWebview) => void, private readonly runTurn: TurnRunner = runAgentTurn) {
    const saved = host.loadChat();
    this.chat = saved && Array.isArray(saved.turns) ? { persona: saved.persona, turns: saved.turns.filter(validTurn).map(cleanTurn) } : { turns: [] };
  }

  get busy(): boolean { return !!this.running; }

  /** A message from the webview; anything malformed is dropped. */
  async receive(raw: unknown): Promise<void> {
    if (!isFromWebview(raw)) return;
    const m: FromWebview = raw;
    switch (m.type) {
      case 'ready': this.init(); await this.refreshContext(); return;
      case 'send': await this.send(m.text); return;
      case 'retry': if (this.lastFailed && !this.running) await this.send(this.lastFailed, true); return;
      case 'stop': this.running?.ctl.abort(); return;
      case 'newChat': this.newChat(); return;
      case 'pickPersona': this.pickPersona(m.name); return;
      case 'setKey': await this.host.setKey(); return;
      case 'manageTrust': await this.host.manageTrust?.(); return;
      case 'code': await this.host.code(m.action, m.code, m.lang, m.answer !== undefined || m.block !== undefined ? { answer: m.answer, block: m.block } : undefined); return;
    }
  }

  init(): void {
    const personas = this.host.personas();
    this.post({
      type: 'init',
      personas: personas.map((p) => ({ name: p.name, description: p.description })),
      persona: this.persona(personas).name,
      history: this.chat.turns,
      model: this.host.settings().model,
      trusted: this.host.trusted(),
    });
  }

  /** Re-sends the context chips (the active editor or its selection changed). */
  async refreshContext(): Promise<void> {
    const ctx = await this.host.context(this.pinned);
    this.post({ type: 'context', chips: ctx.chips });
  }

  /** "Ask DB Engineer about <rule>": the next question carries the finding; the input is prefilled. */
  async askAbout(finding: { uri: string; range: ContextTarget['range']; rule: string; message: string }): Promise<void> {
    this.pinned = { uri: finding.uri, range: finding.range, rule: finding.rule };
    await this.refreshContext();
    this.post({ type: 'prefill', text: `Explain the ${finding.rule} finding ("${finding.message}") on this statement, and show me the fix.` });
  }

  newChat(): void {
    this.running?.ctl.abort();
    this.chat = { persona: this.chat.persona, turns: [] };
    this.lastFailed = undefined;
    this.pinned = undefined;
    this.host.saveChat(this.chat);
    this.post({ type: 'cleared' });
  }

  pickPersona(name: string): void {
    if (!this.host.personas().some((p) => p.name === name)) return;
    this.chat.persona = name;
    this.host.saveChat(this.chat);
  }

  private persona(all: Persona[] = this.host.personas()): Persona {
    return all.find((p) => p.name === this.chat.persona) ?? all[0] ?? { name: 'database-engineer', description: '', body: FALLBACK_PERSONA, source: '(built-in)' };
  }

  async send(typed: string, isRetry = false): Promise<void> {
    const text = typed.trim();
    if (!text || this.running) return;
    const id = `t${Date.now().toString(36)}-${++this.seq}`;
    const expanded = expandSlash(text);
    if ('error' in expanded) {
      // Nothing was sent; the webview shows the question with the reason and gives the text back.
      this.post({ type: 'error', id, message: expanded.error });
      return;
    }
    if (isRetry) this.dropFailedTail(text);
    const ctl = new AbortController();
    this.running = { id, ctl };
    this.post({ type: 'start', id, question: text });
    const user: StoredTurn = { role: 'user', text };
    const answer: StoredTurn = { role: 'assistant', text: '' };
    const history = this.historyForModel();
    this.chat.turns.push(user, answer);
    try {
      const target = this.pinned;
      const ctx = await this.host.context(target);
      const key = await this.host.apiKey();
      const s = this.host.settings();
      const ask = {
        apiKey: key, baseURL: s.baseURL, model: s.model, maxTokens: s.maxTokens, timeoutMs: s.timeoutMs,
        system: withDialect(this.persona().body, ctx.dialect),
        context: withFinding(ctx),
        question: expanded.question,
        history,
        signal: ctl.signal,
        onText: (t: string) => { answer.text += t; this.post({ type: 'delta', id, text: t }); },
        onRetry: (r: { attempt: number; delayMs: number; kind: string }) => this.post({ type: 'retry', id, attempt: r.attempt, delayMs: r.delayMs, reason: r.kind }),
        onUsage: (u: ApiUsage) => { answer.usage = usage(u); this.post({ type: 'usage', id, usage: answer.usage }); },
      };
      const host = this.host;
      const callTool = host.callTool?.bind(host);
      let result: { usage: ApiUsage; notice?: string };
      if (s.tools !== false && callTool) {
        answer.steps = [];
        const steps = answer.steps;
        result = await this.runTurn({
          ...ask,
          callTool: (name, input, signal) => this.callTool(callTool, name, input, signal),
          onStep: (st) => this.onStep(id, answer, steps, st),
        });
      } else {
        const r = await askStream(ask);
        result = { usage: r.usage, ...(r.stopReason === 'max_tokens' ? { notice: CUT_NOTICE } : {}) };
      }
      // A runner that returns after Stop (instead of throwing) is still a stopped turn.
      if (ctl.signal.aborted) throw new ChatError('cancelled', 'stopped');
      if (result.notice) answer.notice = result.notice;
      if (!answer.usage) answer.usage = usage(result.usage);
      this.pinned = undefined;
      this.lastFailed = undefined;
      this.post(answer.notice ? { type: 'done', id, notice: answer.notice } : { type: 'done', id });
    } catch (e) {
      this.endRunningSteps(id, answer);
      const err = e instanceof ChatError ? e : new ChatError('other', `unexpected failure: ${(e as Error)?.message ?? String(e)}`);
      if (err.kind === 'cancelled') {
        // Stopped by the user: keep what arrived, say so, and do not offer the text back.
        answer.error = answer.text ? 'Stopped.' : 'Stopped before any answer arrived.';
        this.lastFailed = undefined;
        this.post({ type: 'error', id, message: answer.error });
      } else {
        answer.error = capitalise(err.message);
        this.lastFailed = text;
        this.post({ type: 'error', id, message: answer.error, action: actionFor(err) });
      }
    } finally {
      this.endRunningSteps(id, answer);
      this.running = undefined;
      if (this.chat.turns.length > MAX_STORED_TURNS) this.chat.turns.splice(0, this.chat.turns.length - MAX_STORED_TURNS);
      this.host.saveChat(this.chat);
    }
  }

  /** A step began or ended: shown at once, stored bounded, placed where the text had got to. */
  private onStep(id: string, answer: StoredTurn, steps: StepInfo[], st: AgentStep): void {
    const shown: StepInfo = { id: String(st.id), tool: String(st.tool), state: st.state, summary: oneLine(st.summary) || st.tool, input: st.input };
    if (st.result !== undefined) shown.result = String(st.result);
    const i = steps.findIndex((x) => x.id === shown.id);
    shown.at = i >= 0 ? steps[i].at : answer.text.length;
    const stored = boundStep(shown);
    if (i >= 0) steps[i] = stored; else steps.push(stored);
    this.post({ type: 'step', id, step: shown });
  }

  /** Stopped or failed mid-tool: a step still "running" is marked as stopped, in the panel and in history. */
  private endRunningSteps(id: string, answer: StoredTurn): void {
    for (const st of answer.steps ?? []) {
      if (st.state !== 'running') continue;
      st.state = 'error';
      st.summary = `${st.tool}: stopped`;
      st.result = st.result ?? 'Stopped before the tool answered.';
      this.post({ type: 'step', id, step: { ...st } });
    }
    if (answer.steps && answer.steps.length === 0) delete answer.steps;
  }

  /**
   * One tool call through the host. write_migration in the editor comes back as a proposal: the user
   * is asked here, and the model is told what happened (written, declined, the file exists).
   */
  private async callTool(call: NonNullable<ChatHost['callTool']>, name: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolResult> {
    let a: AgentToolAnswer;
    try {
      a = await call(name, input, signal);
    } catch (e) {
      return { text: `The tool ${name} could not run: ${(e as Error)?.message ?? String(e)}`, summary: `${name} failed`, isError: true };
    }
    if (!a || typeof a.text !== 'string') return { text: `The tool ${name} gave no answer.`, summary: `${name}: no answer`, isError: true };
    const base: ToolResult = { text: a.text, summary: typeof a.summary === 'string' && a.summary ? a.summary : name, ...(a.isError ? { isError: true } : {}), ...(a.data !== undefined ? { data: a.data } : {}) };
    if (!a.proposed) return base;
    return this.confirmProposal(a.proposed, base, signal);
  }

  private async confirmProposal(p: ProposedFiles, base: ToolResult, signal: AbortSignal | undefined): Promise<ToolResult> {
    const files = Array.isArray(p.files) ? p.files : [];
    const report = `\n\nThe tool's report (written before the user was asked):\n${base.text}`;
    if (files.length === 0) {
      return { text: `Nothing was written: the proposed files would be outside the workspace folder.${report}`, summary: 'nothing written: outside the workspace', isError: true };
    }
    const names = files.map((f) => f.path).join(', ');
    if (!this.host.confirmWrite) {
      return { text: `The files were only proposed (${names}); nothing was written: the editor cannot ask the user here.${report}`, summary: 'proposed; nothing written' };
    }
    if (signal?.aborted) return { text: 'Stopped before the user was asked; nothing was written.', summary: 'stopped; nothing written', isError: true };
    let out: WriteOutcome;
    try {
      out = await this.host.confirmWrite(p);
    } catch (e) {
      out = { written: false, paths: files.map((f) => f.path), reason: 'failed', detail: (e as Error)?.message ?? String(e) };
    }
    if (out.written) {
      const paths = out.paths.length ? out.paths : files.map((f) => f.path);
      return { text: `The user confirmed; wrote ${paths.join(', ')}.${report}`, summary: `wrote ${paths.join(', ')}`, data: base.data };
    }
    if (out.reason === 'exists') {
      return { text: `${out.detail ?? 'A proposed file'} exists; nothing was written (DB Engineer never overwrites a file).${report}`, summary: `${out.detail ?? 'the file'} exists; nothing written`, isError: true };
    }
    if (out.reason === 'failed') {
      return { text: `Nothing was written: the editor could not create ${names}${out.detail ? ` (${out.detail})` : ''}.${report}`, summary: 'could not write the files', isError: true };
    }
    return { text: `The user declined; nothing was written. Do not write these files again unless the user asks.${report}`, summary: 'the user declined; nothing was written' };
  }

  /** A retry replaces the failed exchange instead of stacking another copy of the question. */
  private dropFailedTail(text: string): void {
    const t = this.chat.turns;
    if (t.length >= 2 && t[t.length - 1].role === 'assistant' && t[t.length - 1].error && t[t.length - 2].text === text) t.splice(t.length - 2, 2);
  }

  /** Completed exchanges, newest last, as the model should see them. Failed turns are left out. */
  private historyForModel(): HistoryTurn[] {
    const out: HistoryTurn[] = [];
    const t = this.chat.turns;
    for (let i = 0; i + 1 < t.length; i++) {
      const u = t[i], a = t[i + 1];
      if (u.role === 'user' && a.role === 'assistant' && !a.error && a.text.trim()) {
        const asked = expandSlash(u.text);
        out.push({ role: 'user', content: 'question' in asked ? asked.question : u.text }, { role: 'assistant', content: a.text });
        i++;
      }
    }
    return out.slice(-MAX_HISTORY_TURNS);
  }
}

function withFinding(ctx: ChatContextResult): string {
  if (!ctx.statement && !ctx.rationale) return ctx.text;
  const parts = [ctx.text, '', 'The finding the user asks about:'];
  if (ctx.statement) parts.push('```sql', ctx.statement, '```');
  if (ctx.rationale) parts.push(`Why the rule exists: ${ctx.rationale}`);
  return parts.join('\n');
}

function actionFor(e: ChatError): 'setKey' | 'retry' | undefined {
  if (e.kind === 'no-key' || e.kind === 'auth') return 'setKey';
  if (e.kind === 'rate-limited' || e.kind === 'overloaded' || e.kind === 'offline' || e.kind === 'timeout' || e.kind === 'server' || e.kind === 'other') return 'retry';
  return undefined;
}

function usage(u: ApiUsage): Usage {
  return { input: u.input_tokens, output: u.output_tokens, cacheRead: u.cache_read_input_tokens, cacheWrite: u.cache_creation_input_tokens };
}

function capitalise(s: string): string { return s ? s[0].toUpperCase() + s.slice(1) : s; }

function oneLine(s: unknown): string {
  return String(s ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

function cap(s: string, max = MAX_STEP_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}\n… (${(s.length - max).toLocaleString('en-US')} more characters not kept)`;
}

/** A step as history keeps it: the result and each input string capped, the input plain JSON. */
function boundStep(st: StepInfo): StepInfo {
  const out: StepInfo = { id: st.id, tool: st.tool, state: st.state, summary: st.summary, at: st.at };
  if (st.result !== undefined) out.result = cap(st.result);
  if (st.input !== undefined) out.input = boundInput(st.input);
  return out;
}

function boundInput(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return cap(v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (depth > 3) return '…';
  if (Array.isArray(v)) return v.slice(0, 20).map((x) => boundInput(x, depth + 1));
  if (typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>).slice(0, 20)) o[k] = boundInput(x, depth + 1);
    return o;
  }
  return undefined;
}

/** A stored turn as loaded: steps that do not validate are dropped (the state is not trusted blindly). */
function cleanTurn(t: StoredTurn): StoredTurn {
  if (t.steps === undefined) return t;
  const steps = Array.isArray(t.steps) ? t.steps.filter(isStepInfo).map(boundStep) : [];
  const out: StoredTurn = { ...t };
  if (steps.length) out.steps = steps; else delete out.steps;
  if (out.notice !== undefined && typeof out.notice !== 'string') delete out.notice;
  return out;
}

function validTurn(t: unknown): t is StoredTurn {
  const x = t as StoredTurn;
  return !!x && (x.role === 'user' || x.role === 'assistant') && typeof x.text === 'string';
}
