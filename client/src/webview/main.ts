/// <reference lib="dom" />
// The chat webview script (browser sandbox). Builds the UI inside #app with DOM APIs only; innerHTML is
// used solely with renderMarkdown output. Talks to the extension host through the fixed protocol.
import { isStepInfo, type ChatTurn, type Chip, type FromWebview, type PersonaInfo, type StepInfo, type ToWebview, type Usage } from '../chat/protocol';
import { renderMarkdown } from './markdown';
import { TRUST_OFFER } from '../trust';

interface VsCodeApi { postMessage(msg: unknown): void; getState(): unknown; setState(state: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview): void => vscode.postMessage(m);

interface SavedState { draft?: string }
const saved = ((): SavedState => {
  const s = vscode.getState();
  return s && typeof s === 'object' ? (s as SavedState) : {};
})();
function saveDraft(): void { vscode.setState({ ...saved, draft: input.value } satisfies SavedState); }

const SLASH: Array<[string, string]> = [
  ['/review', 'full review of the file or selection'],
  ['/index', 'which indexes the queries need'],
  ['/normalize', 'normal-form and data-modelling review'],
  ['/migration', 'write or check a safe, zero-downtime migration'],
  ['/explain', 'explain the query or plan'],
];

// ---------------------------------------------------------------------------------------------------
// DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function btn(label: string, cls: string, onClick: () => void, title?: string): HTMLButtonElement {
  const b = el('button', cls, label);
  b.type = 'button';
  if (title) b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
function kchars(n: number): string { return n < 1000 ? `${n} chars` : `${(n / 1000).toFixed(1)}k chars`; }

// ---------------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app') ?? document.body.appendChild(el('div'));
app.textContent = '';

const header = el('div', 'header');
const personaLabel = el('label', 'persona-label', 'Persona ');
const personaSelect = el('select', 'persona');
personaLabel.appendChild(personaSelect);
const modelLabel = el('span', 'model');
const newChatBtn = btn('New chat', 'secondary', () => post({ type: 'newChat' }), 'Start a new conversation');
header.append(personaLabel, modelLabel, newChatBtn);

const trustNote = el('div', 'notice trust', 'Restricted Mode: only the open files are used as context. ');
trustNote.appendChild(btn(`${TRUST_OFFER}…`, 'secondary', () => post({ type: 'manageTrust' }), 'Opens VS Code\'s workspace trust editor'));
trustNote.hidden = true;

const conversation = el('div', 'conversation');
conversation.setAttribute('role', 'log');
conversation.setAttribute('aria-live', 'polite');
const empty = el('div', 'empty', 'Ask about the SQL in your editor. Type / for commands.');
conversation.appendChild(empty);

const composer = el('div', 'composer');
const chipsBox = el('div', 'chips');
chipsBox.title = 'Context sent with your message';
const hints = el('div', 'hints');
hints.hidden = true;
const input = el('textarea', 'input');
input.rows = 3;
input.placeholder = 'Ask DB Engineer… (Enter to send, Shift+Enter for a new line)';
const buttons = el('div', 'buttons');
const sendBtn = btn('Send', 'primary', () => send());
const stopBtn = btn('Stop', 'secondary', () => post({ type: 'stop' }));
stopBtn.disabled = true;
buttons.append(sendBtn, stopBtn);
composer.append(chipsBox, hints, input, buttons);

app.append(header, trustNote, conversation, composer);

// ---------------------------------------------------------------------------------------------------
// Conversation

/** An assistant turn's body is a sequence: text (markdown) and tool steps, in the order they came. */
type Segment =
  | { kind: 'text'; el: HTMLElement; text: string; dirty: boolean }
  | { kind: 'step'; el: HTMLDetailsElement; step: StepInfo };

interface TurnView {
  id?: string;
  role: 'user' | 'assistant';
  text: string;
  root: HTMLElement;
  body: HTMLElement;
  notice: HTMLElement;
  meta: HTMLElement;
  pending: boolean;
  dirty: boolean;
  segments: Segment[];
}

const turns: TurnView[] = [];
let busy = false;
let currentId: string | undefined;
let lastSent = '';

function setBusy(b: boolean): void {
  busy = b;
  sendBtn.disabled = b;
  stopBtn.disabled = !b;
  app.classList.toggle('busy', b);
}

function scrollToEnd(): void {
  const nearBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 80;
  if (nearBottom || busy) conversation.scrollTop = conversation.scrollHeight;
}

function addTurn(role: 'user' | 'assistant', text: string, id?: string, steps: StepInfo[] = []): TurnView {
  empty.remove();
  const root = el('div', `turn ${role}`);
  const who = el('div', 'who', role === 'user' ? 'You' : 'DB Engineer');
  const body = el('div', 'body');
  const notice = el('div', 'turn-notice');
  notice.hidden = true;
  const meta = el('div', 'usage');
  meta.hidden = true;
  root.append(who, body, notice, meta);
  conversation.appendChild(root);
  const t: TurnView = { id, role, text: '', root, body, notice, meta, pending: false, dirty: false, segments: [] };
  if (role === 'user') {
    t.text = text;
  } else {
    // A stored agent turn: its text is cut at each step's offset so the steps sit where they came.
    let from = 0;
    for (const st of [...steps].sort((a, b) => (a.at ?? 0) - (b.at ?? 0))) {
      const at = Math.min(Math.max(st.at ?? 0, from), text.length);
      appendText(t, text.slice(from, at));
      from = at;
      upsertStep(t, st);
    }
    appendText(t, text.slice(from));
  }
  renderBody(t);
  turns.push(t);
  scrollToEnd();
  return t;
}

function renderBody(t: TurnView): void {
  if (t.role === 'user') {
    t.body.textContent = t.text; // user text is never interpreted as markup
  } else {
    for (const seg of t.segments) {
      if (seg.kind === 'text' && seg.dirty) {
        seg.el.innerHTML = renderMarkdown(seg.text); // renderMarkdown escapes everything it does not write itself
        seg.dirty = false;
      }
    }
  }
  t.dirty = false;
}

/** Text goes on the last text segment, or a new one after a step. */
function appendText(t: TurnView, text: string): void {
  if (!text) return;
  t.text += text;
  const lastSeg = t.segments[t.segments.length - 1];
  if (lastSeg && lastSeg.kind === 'text') {
    lastSeg.text += text;
    lastSeg.dirty = true;
  } else {
    const seg: Segment = { kind: 'text', el: el('div', 'text'), text, dirty: true };
    t.segments.push(seg);
    t.body.appendChild(seg.el);
  }
  t.dirty = true;
}

const SQL_INPUTS = new Set(['sql', 'query', 'up', 'down', 'create_index', 'statement']);

/** A fence longer than any run of backticks in the code, so the code cannot close it. */
function fenced(code: string, lang = ''): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${lang}\n${code}\n${f}`;
}

/** A step's input as markdown: SQL in sql code blocks, the other fields as `name: value` lines. */
function inputMarkdown(input: unknown): string {
  if (input === undefined || input === null) return '';
  if (typeof input !== 'object' || Array.isArray(input)) return fenced(JSON.stringify(input, null, 2) ?? '');
  const parts: string[] = [];
  const plain: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (typeof v === 'string' && (SQL_INPUTS.has(k) || v.includes('\n'))) parts.push(`**${k.replace(/[^A-Za-z0-9_]/g, '')}**`, fenced(v, SQL_INPUTS.has(k) ? 'sql' : ''));
    else plain.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (plain.length) parts.unshift(fenced(plain.join('\n')));
  return parts.join('\n\n');
}

const STEP_STATE_LABEL: Record<StepInfo['state'], string> = { running: 'running…', done: '', error: 'failed' };

/** A tool call as a collapsible row; updated in place when it ends (an open row stays open). */
function upsertStep(t: TurnView, step: StepInfo): void {
  let seg = t.segments.find((x): x is Extract<Segment, { kind: 'step' }> => x.kind === 'step' && x.step.id === step.id);
  if (!seg) {
    const details = el('details', 'step');
    details.dataset.tool = step.tool;
    const summary = el('summary');
    summary.append(el('span', 'step-icon'), el('span', 'step-summary'), el('span', 'step-state'));
    const detail = el('div', 'step-detail');
    detail.append(el('div', 'step-input'), el('div', 'step-result'));
    details.append(summary, detail);
    seg = { kind: 'step', el: details, step };
    t.segments.push(seg);
    t.body.appendChild(details);
  }
  seg.step = step;
  const d = seg.el;
  d.classList.remove('running', 'done', 'error');
  d.classList.add(step.state);
  d.querySelector('.step-icon')!.textContent = step.state === 'error' ? '✗' : step.state === 'done' ? '✓' : '';
  d.querySelector('.step-summary')!.textContent = step.summary;
  d.querySelector('.step-state')!.textContent = STEP_STATE_LABEL[step.state];
  d.querySelector('summary')!.title = `${step.tool}: ${step.state === 'running' ? 'running' : step.state === 'error' ? 'failed' : 'done'} (click for the input and the result)`;
  (d.querySelector('.step-input') as HTMLElement).innerHTML = renderMarkdown(inputMarkdown(step.input));
  (d.querySelector('.step-result') as HTMLElement).innerHTML = step.result === undefined ? '' : renderMarkdown(step.result);
}

let frame = 0;
function scheduleRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const t of turns) if (t.dirty) renderBody(t);
    scrollToEnd();
  });
}

function findTurn(id: string): TurnView | undefined {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i].id === id && turns[i].role === 'assistant') return turns[i];
  return undefined;
}

function showUsage(t: TurnView, u: Usage): void {
  const parts = [`${fmt(u.input)} in`, `${fmt(u.output)} out`];
  if (u.cacheRead) parts.push(`cache read ${fmt(u.cacheRead)}`);
  if (u.cacheWrite) parts.push(`cache write ${fmt(u.cacheWrite)}`);
  t.meta.textContent = parts.join(' · ');
  t.meta.hidden = false;
}

function retryReason(reason: string): string {
  if (/rate/i.test(reason) || reason === '429') return 'Rate limited';
  if (/overload/i.test(reason) || reason === '529') return 'The API is overloaded';
  if (/network|connect|timeout/i.test(reason)) return 'Connection problem';
  if (/server|5\d\d/i.test(reason)) return 'Server error';
  return reason ? reason.charAt(0).toUpperCase() + reason.slice(1) : 'Temporary error';
}

function showNotice(t: TurnView, text: string, cls: string): HTMLElement {
  t.notice.textContent = '';
  t.notice.className = `turn-notice ${cls}`;
  const span = el('span', 'notice-text', text);
  t.notice.appendChild(span);
  t.notice.hidden = false;
  return t.notice;
}

function showError(t: TurnView, message: string, action?: 'setKey' | 'retry'): void {
  const box = showNotice(t, message, 'error');
  const actions = el('span', 'notice-actions');
  if (action === 'setKey') actions.appendChild(btn('Set API key', 'primary', () => post({ type: 'setKey' })));
  if (action === 'retry') actions.appendChild(btn('Retry', 'primary', () => { t.notice.hidden = true; post({ type: 'retry' }); }));
  if (actions.childElementCount) box.appendChild(actions);
  t.root.classList.add('failed');
  scrollToEnd();
}

function clearConversation(): void {
  turns.length = 0;
  conversation.textContent = '';
  conversation.appendChild(empty);
  currentId = undefined;
  setBusy(false);
}

function loadHistory(history: ChatTurn[]): void {
  clearConversation();
  for (const h of history) {
    if (h.role !== 'user' && h.role !== 'assistant') continue;
    const steps = h.role === 'assistant' && Array.isArray(h.steps) ? h.steps.filter(isStepInfo) : [];
    const t = addTurn(h.role, String(h.text ?? ''), undefined, steps);
    if (h.usage) showUsage(t, h.usage);
    if (typeof h.notice === 'string' && h.notice && !h.error) showNotice(t, h.notice, 'cut');
    if (h.error) showError(t, h.error);
  }
}

// ---------------------------------------------------------------------------------------------------
// Persona, chips, hints

function setPersonas(personas: PersonaInfo[], current: string): void {
  personaSelect.textContent = '';
  for (const p of personas) {
    const o = el('option', undefined, p.name);
    o.value = p.name;
    o.title = p.description;
    personaSelect.appendChild(o);
  }
  personaSelect.value = current;
  const cur = personas.find((p) => p.name === current);
  personaSelect.title = cur?.description ?? '';
  personaLabel.hidden = personas.length === 0;
}
personaSelect.addEventListener('change', () => {
  const opt = personaSelect.selectedOptions[0];
  personaSelect.title = opt?.title ?? '';
  post({ type: 'pickPersona', name: personaSelect.value });
});

function setChips(chips: Chip[]): void {
  chipsBox.textContent = '';
  for (const c of chips) {
    const chip = el('span', `chip chip-${c.kind}`, `${c.kind}: ${c.label} (${kchars(c.chars)})`);
    chip.title = `Sent with your message: ${c.kind} ${c.label}, ${fmt(c.chars)} characters`;
    chipsBox.appendChild(chip);
  }
  chipsBox.hidden = chips.length === 0;
}
chipsBox.hidden = true;

function updateHints(): void {
  const v = input.value;
  if (!v.startsWith('/')) {
    hints.hidden = true;
    return;
  }
  const word = v.split(/\s/)[0].toLowerCase();
  const matches = SLASH.filter(([cmd]) => cmd.startsWith(word));
  hints.textContent = '';
  for (const [cmd, desc] of matches) {
    const h = el('div', 'hint');
    h.append(el('span', 'hint-cmd', cmd), el('span', 'hint-desc', ` — ${desc}`));
    h.addEventListener('mousedown', (e) => {
      e.preventDefault();
      input.value = `${cmd} ${v.slice(word.length).trimStart()}`;
      saveDraft();
      updateHints();
      input.focus();
    });
    hints.appendChild(h);
  }
  hints.hidden = matches.length === 0;
}

// ---------------------------------------------------------------------------------------------------
// Input

function send(): void {
  const text = input.value.trim();
  if (!text || busy) return;
  lastSent = input.value;
  post({ type: 'send', text });
  input.value = '';
  saveDraft();
  updateHints();
  setBusy(true); // cleared by 'done' / 'error'
}

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
input.addEventListener('input', () => { saveDraft(); updateHints(); });
input.value = saved.draft ?? '';
updateHints();

// Code-block buttons (event delegation; the code comes from the <code> element's textContent).
conversation.addEventListener('click', (e) => {
  const target = e.target as HTMLElement | null;
  const link = target?.closest('a[data-href]');
  if (link) {
    // Links open through the host (VS Code intercepts http(s) anchors); never navigate the webview itself.
    return;
  }
  const b = target?.closest('button[data-action]') as HTMLButtonElement | null;
  if (!b) return;
  const block = b.closest('div.code') as HTMLElement | null;
  if (!block) return;
  const action = b.dataset.action;
  if (action !== 'copy' && action !== 'insert' && action !== 'saveMigration' && action !== 'applyEdit') return;
  const code = block.querySelector('pre > code')?.textContent ?? '';
  const lang = block.dataset.lang || undefined;
  if (action === 'saveMigration') {
    // the answer and the block's place in it: the host finds the block's rollback there (chat/save-migration.ts)
    const turn = turns.find((t) => t.body.contains(block));
    const index = turn ? [...turn.body.querySelectorAll('div.code')].indexOf(block) : -1;
    post({ type: 'code', action, code, lang, ...(turn ? { answer: turn.text } : {}), ...(index >= 0 ? { block: index } : {}) });
  } else post({ type: 'code', action, code, lang });
  if (action === 'copy') {
    const old = b.textContent;
    b.textContent = 'Copied';
    setTimeout(() => { b.textContent = old; }, 1200);
  }
});

// ---------------------------------------------------------------------------------------------------
// Messages from the host

function restoreInput(): void {
  if (lastSent && input.value.trim() === '') {
    input.value = lastSent;
    saveDraft();
    updateHints();
  }
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as ToWebview;
  if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
  switch (m.type) {
    case 'init':
      setPersonas(Array.isArray(m.personas) ? m.personas : [], m.persona);
      modelLabel.textContent = m.model ?? '';
      trustNote.hidden = m.trusted !== false;
      loadHistory(Array.isArray(m.history) ? m.history : []);
      break;
    case 'context':
      setChips(Array.isArray(m.chips) ? m.chips : []);
      break;
    case 'start': {
      addTurn('user', m.question);
      const t = addTurn('assistant', '', m.id);
      t.pending = true;
      t.root.classList.add('pending');
      currentId = m.id;
      setBusy(true);
      break;
    }
    case 'delta': {
      const t = findTurn(m.id);
      if (!t || typeof m.text !== 'string') break;
      appendText(t, m.text);
      if (!t.notice.classList.contains('error')) t.notice.hidden = true; // a retry succeeded
      scheduleRender();
      break;
    }
    case 'usage': {
      const t = findTurn(m.id);
      if (t) showUsage(t, m.usage);
      break;
    }
    case 'retry': {
      const t = findTurn(m.id);
      if (t) showNotice(t, `${retryReason(m.reason)}, retrying in ${Math.max(1, Math.round(m.delayMs / 1000))} s (attempt ${m.attempt})`, 'retry');
      break;
    }
    case 'step': {
      const t = findTurn(m.id);
      if (!t || !isStepInfo(m.step)) break;
      if (t.dirty) renderBody(t); // the text before the step is drawn before the step
      upsertStep(t, m.step);
      scrollToEnd();
      break;
    }
    case 'done': {
      const t = findTurn(m.id);
      if (t) {
        if (t.dirty) renderBody(t);
        t.pending = false;
        t.root.classList.remove('pending');
        if (!t.notice.classList.contains('error')) t.notice.hidden = true;
        if (typeof m.notice === 'string' && m.notice) showNotice(t, m.notice, 'cut');
      }
      if (currentId === m.id || currentId === undefined) { currentId = undefined; setBusy(false); }
      lastSent = '';
      break;
    }
    case 'error': {
      let t = findTurn(m.id);
      if (!t) {
        // The request failed before it started (e.g. no API key): keep the question visible.
        if (lastSent.trim()) addTurn('user', lastSent.trim());
        t = addTurn('assistant', '', m.id);
      }
      if (t.dirty) renderBody(t);
      t.pending = false;
      t.root.classList.remove('pending');
      showError(t, m.message, m.action);
      currentId = undefined;
      setBusy(false);
      restoreInput();
      break;
    }
    case 'prefill':
      input.value = m.text;
      saveDraft();
      updateHints();
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      break;
    case 'cleared':
      clearConversation();
      break;
  }
});

post({ type: 'ready' });
input.focus();
