// The chat panel's brain, free of `vscode` so it runs (and is tested) in plain Node: it takes the
// webview's messages, asks the persona through the shared client (server/src/chat/client.ts) and
// streams the answer back as protocol messages (to `post`). Everything editor-specific (the key store,
// the language server's context request, history storage, code-block actions) comes in through ChatHost.
import { askStream, ChatError, type HistoryTurn, type Usage as ApiUsage } from '../../../server/src/chat/client';
import { expandSlash } from '../../../server/src/chat/commands';
import { FALLBACK_PERSONA, withDialect } from '../../../server/src/chat/persona-source';
import type { ChatContextParams, ChatContextResult } from '../../../server/src/lsp/chat-protocol';
import type { Persona } from '../../../server/src/persona';
import { isFromWebview, type ChatTurn, type CodeAction, type FromWebview, type ToWebview, type Usage } from './protocol';

/** What the question is about: the active editor (with its selection) when undefined, or a finding. */
export type ContextTarget = Pick<ChatContextParams, 'uri' | 'range' | 'rule'>;

export interface ChatSettings { model: string; maxTokens: number; baseURL?: string; timeoutMs?: number }

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
}

/** History kept per workspace: enough for a long session, bounded so the state stays small. */
export const MAX_STORED_TURNS = 60;
/** Turns sent back to the model as conversation history (the newest ones). */
export const MAX_HISTORY_TURNS = 20;

export class ChatSession {
  private chat: StoredChat;
  private running: { id: string; ctl: AbortController } | undefined;
  private lastFailed: string | undefined;
  /** A finding the next question is about (from "Ask DB Engineer about ..."). */
  private pinned: ContextTarget | undefined;
  private seq = 0;

  constructor(private readonly host: ChatHost, private readonly post: (message: ToWebview) => void) {
    const saved = host.loadChat();
    this.chat = saved && Array.isArray(saved.turns) ? { persona: saved.persona, turns: saved.turns.filter(validTurn) } : { turns: [] };
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
      const result = await askStream({
        apiKey: key, baseURL: s.baseURL, model: s.model, maxTokens: s.maxTokens, timeoutMs: s.timeoutMs,
        system: withDialect(this.persona().body, ctx.dialect),
        context: withFinding(ctx),
        question: expanded.question,
        history,
        signal: ctl.signal,
        onText: (t) => { answer.text += t; this.post({ type: 'delta', id, text: t }); },
        onRetry: (r) => this.post({ type: 'retry', id, attempt: r.attempt, delayMs: r.delayMs, reason: r.kind }),
        onUsage: (u) => { answer.usage = usage(u); this.post({ type: 'usage', id, usage: answer.usage }); },
      });
      if (!answer.usage) answer.usage = usage(result.usage);
      this.pinned = undefined;
      this.lastFailed = undefined;
      this.post({ type: 'done', id });
    } catch (e) {
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
      this.running = undefined;
      if (this.chat.turns.length > MAX_STORED_TURNS) this.chat.turns.splice(0, this.chat.turns.length - MAX_STORED_TURNS);
      this.host.saveChat(this.chat);
    }
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

function validTurn(t: unknown): t is StoredTurn {
  const x = t as StoredTurn;
  return !!x && (x.role === 'user' || x.role === 'assistant') && typeof x.text === 'string';
}
