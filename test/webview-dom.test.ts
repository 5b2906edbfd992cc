// The chat webview's script (dist/webview.js, as shipped) in a DOM (jsdom): what the user sees and
// what each click or key sends to the extension. Hostile model output stays inert in the real DOM.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSDOM } from 'jsdom';
import { ROOT } from './helpers';

const SCRIPT = path.join(ROOT, 'dist', 'webview.js');
let code = '';
before(() => { code = fs.readFileSync(SCRIPT, 'utf8'); });

function load(state?: unknown) {
  const dom = new JSDOM('<!DOCTYPE html><html><body><div id="app"></div></body></html>', { runScripts: 'outside-only', pretendToBeVisual: true });
  const w = dom.window as any;
  const posted: any[] = [];
  let saved = state;
  // Messages are copied out of the window's realm, as postMessage does.
  w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => saved, setState: (s: unknown) => { saved = s; } });
  w.eval(code);
  const doc: Document = w.document;
  const send = (data: unknown) => w.dispatchEvent(new w.MessageEvent('message', { data }));
  const frame = () => new Promise((r) => w.requestAnimationFrame(() => r(undefined)));
  const input = doc.querySelector('textarea') as HTMLTextAreaElement;
  const button = (label: string) => [...doc.querySelectorAll('button')].find((b) => b.textContent === label) as HTMLButtonElement | undefined;
  const type = (text: string) => { input.value = text; input.dispatchEvent(new w.Event('input')); };
  const enter = () => input.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  return { w, doc, posted, send, frame, input, button, type, enter, state: () => saved };
}

const INIT = {
  type: 'init', model: 'claude-sonnet-5-5', trusted: true, persona: 'database-engineer',
  personas: [{ name: 'database-engineer', description: 'built in' }, { name: 'strict', description: 'blocking only' }],
  history: [],
};

describe('chat webview in a DOM', () => {
  test('on load it says ready; init shows personas, model and history (user text is text, not markup)', () => {
    const v = load();
    assert.deepEqual(v.posted, [{ type: 'ready' }]);
    v.send({ ...INIT, history: [{ role: 'user', text: '<img src=x onerror=alert(1)> why?' }, { role: 'assistant', text: '**Because**', usage: { input: 10, output: 5, cacheRead: 900, cacheWrite: 0 } }] });
    const opts = [...v.doc.querySelectorAll('select option')].map((o) => o.textContent);
    assert.deepEqual(opts, ['database-engineer', 'strict']);
    assert.ok(v.doc.body.textContent!.includes('claude-sonnet-5-5'));
    const turns = v.doc.querySelectorAll('.turn');
    assert.equal(turns.length, 2);
    assert.equal(turns[0].querySelector('.body')!.textContent, '<img src=x onerror=alert(1)> why?');
    assert.equal(v.doc.querySelectorAll('img').length, 0);
    assert.equal(turns[1].querySelector('.body strong')!.textContent, 'Because');
    assert.match(turns[1].querySelector('.usage')!.textContent!, /10 in · 5 out · cache read 900/);
  });

  test('Enter sends; the answer streams in; a code block\'s buttons send its code; Stop while busy', async () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'context', chips: [{ kind: 'file', label: 'report.sql', chars: 1200 }] });
    assert.match(v.doc.querySelector('.chips')!.textContent!, /file: report\.sql \(1\.2k chars\)/);
    v.type('why is it slow?');
    v.enter();
    assert.deepEqual(v.posted.at(-1), { type: 'send', text: 'why is it slow?' });
    assert.equal(v.input.value, '');
    v.button('Stop')!.click();
    assert.deepEqual(v.posted.at(-1), { type: 'stop' });

    v.send({ type: 'start', id: 'a1', question: 'why is it slow?' });
    for (const t of ['Add an index:\n\n```sql\nCREATE INDEX CONCURRENTLY ', 'orders_customer_idx ON orders (customer_id);\n```\n']) v.send({ type: 'delta', id: 'a1', text: t });
    await v.frame();
    v.send({ type: 'usage', id: 'a1', usage: { input: 42, output: 17, cacheRead: 1800, cacheWrite: 0 } });
    v.send({ type: 'done', id: 'a1' });
    const answer = [...v.doc.querySelectorAll('.turn.assistant')].at(-1)!;
    assert.equal(answer.querySelector('pre code')!.textContent, 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);');
    assert.match(answer.querySelector('.usage')!.textContent!, /cache read 1,800/);
    const actions = [...answer.querySelectorAll('button[data-action]')].map((b) => (b as HTMLElement).dataset.action);
    assert.deepEqual(actions.sort(), ['applyEdit', 'copy', 'insert', 'saveMigration']);
    (answer.querySelector('button[data-action="insert"]') as HTMLButtonElement).click();
    assert.deepEqual(v.posted.at(-1), { type: 'code', action: 'insert', code: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);', lang: 'sql' });
    assert.equal(v.button('Send')!.disabled, false, 'not busy after done');
    // Save as migration sends the answer and the block's place in it (the host finds its rollback block there)
    (answer.querySelector('button[data-action="saveMigration"]') as HTMLButtonElement).click();
    assert.deepEqual(v.posted.at(-1), {
      type: 'code', action: 'saveMigration', code: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);', lang: 'sql',
      answer: 'Add an index:\n\n```sql\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n```\n', block: 0,
    });
  });

  test('hostile model output renders inert: no script, no event handler, no javascript: link', async () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'start', id: 'h', question: 'q' });
    v.send({ type: 'delta', id: 'h', text: '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> [click](javascript:window.pwned=3) <a href="javascript:alert(1)">x</a> <iframe src="https://evil"></iframe>' });
    v.send({ type: 'done', id: 'h' });
    const conv = v.doc.querySelector('.conversation')!;
    assert.equal(conv.querySelectorAll('script, img, iframe').length, 0);
    for (const el of conv.querySelectorAll('*')) {
      for (const a of el.getAttributeNames()) assert.ok(!/^on/i.test(a), `no ${a} attribute`);
      assert.doesNotMatch(el.getAttribute('href') ?? '', /javascript:/i);
    }
    for (const a of conv.querySelectorAll('a')) a.dispatchEvent(new v.w.MouseEvent('click', { bubbles: true }));
    assert.equal(v.w.pwned, undefined);
  });

  test('an error keeps the question, offers its action and gives the text back; New chat and the persona picker post', () => {
    const v = load();
    v.send(INIT);
    v.type('is this migration safe?');
    v.enter();
    v.send({ type: 'error', id: 'e1', message: 'No Anthropic API key: ...', action: 'setKey' });
    assert.equal(v.doc.querySelector('.turn.user .body')!.textContent, 'is this migration safe?');
    assert.equal(v.input.value, 'is this migration safe?', 'the question is given back');
    v.button('Set API key')!.click();
    assert.deepEqual(v.posted.at(-1), { type: 'setKey' });

    v.send({ type: 'error', id: 'e2', message: 'Rate limited', action: 'retry' });
    v.button('Retry')!.click();
    assert.deepEqual(v.posted.at(-1), { type: 'retry' });

    const sel = v.doc.querySelector('select') as HTMLSelectElement;
    sel.value = 'strict';
    sel.dispatchEvent(new v.w.Event('change'));
    assert.deepEqual(v.posted.at(-1), { type: 'pickPersona', name: 'strict' });
    v.button('New chat')!.click();
    assert.deepEqual(v.posted.at(-1), { type: 'newChat' });
    v.send({ type: 'cleared' });
    assert.equal(v.doc.querySelectorAll('.turn').length, 0);
  });

  test('the draft survives the webview being hidden and restored', () => {
    const v = load();
    v.type('half a question');
    const again = load(v.state());
    assert.equal(again.input.value, 'half a question');
  });

  test('Restricted Mode: the note offers to trust the folder, and its button asks the extension for VS Code\'s trust editor', () => {
    const v = load();
    v.send({ ...INIT, trusted: false });
    const note = v.doc.querySelector('.notice.trust') as HTMLElement;
    assert.equal(note.hidden, false);
    const offer = v.button('Trust this folder to enable the sandbox, Explain and cross-file schema…');
    assert.ok(offer, note.textContent!);
    offer!.click();
    assert.deepEqual(v.posted.at(-1), { type: 'manageTrust' });
    v.send(INIT);
    assert.equal(note.hidden, true, 'trusted: no note');
  });
});
