// The chat webview (dist/webview.js, as shipped, in jsdom) showing an agent turn: each tool call is a
// collapsible row in the answer where it happened, running then done or failed; opened, it shows the
// input (SQL in a code block) and the result through the sanitized markdown renderer; a cut answer
// says so; a reload shows the stored steps in place; malformed step messages change nothing.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSDOM } from 'jsdom';
import { ROOT } from './helpers';

const SCRIPT = path.join(ROOT, 'dist', 'webview.js');
let code = '';
before(() => { code = fs.readFileSync(SCRIPT, 'utf8'); });

function load() {
  const dom = new JSDOM('<!DOCTYPE html><html><body><div id="app"></div></body></html>', { runScripts: 'outside-only', pretendToBeVisual: true });
  const w = dom.window as any;
  const posted: any[] = [];
  w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => undefined, setState: () => {} });
  w.eval(code);
  const doc: Document = w.document;
  const send = (data: unknown) => w.dispatchEvent(new w.MessageEvent('message', { data }));
  const frame = () => new Promise((r) => w.requestAnimationFrame(() => r(undefined)));
  const answer = () => [...doc.querySelectorAll('.turn.assistant')].at(-1) as HTMLElement;
  /** The answer's body as a sequence: "text:<text>" and "step:<state>:<summary row text>". */
  const sequence = () => [...answer().querySelector('.body')!.children].map((c) => (c.matches('details.step')
    ? `step:${['running', 'done', 'error'].find((s) => c.classList.contains(s))}:${c.querySelector('summary')!.textContent}`
    : `text:${c.textContent}`));
  return { w, doc, posted, send, frame, answer, sequence };
}

const INIT = { type: 'init', model: 'claude-test', trusted: true, persona: 'database-engineer', personas: [{ name: 'database-engineer', description: '' }], history: [] };
const SQL = 'SELECT * FROM orders WHERE customer_id = 7';

describe('chat webview: agent steps', () => {
  test('text, a running step, the step done, then the final text: in that order; the row opens to the SQL input and the result', async () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'start', id: 'a1', question: 'Why is it slow?' });
    v.send({ type: 'delta', id: 'a1', text: 'Let me look at the plan.' });
    v.send({ type: 'step', id: 'a1', step: { id: 'toolu_1', tool: 'explain_query', state: 'running', summary: 'explain_query…', input: { sql: SQL } } });
    assert.deepEqual(v.sequence(), ['text:Let me look at the plan.', 'step:running:explain_query…running…']);
    assert.ok(v.answer().querySelector('details.step.running .step-icon'), 'a spinner while running');

    v.send({ type: 'step', id: 'a1', step: { id: 'toolu_1', tool: 'explain_query', state: 'done', summary: 'explained the query: cost 248 → 11.6', input: { sql: SQL }, result: '**Seq Scan** on orders (cost=0.00..248.50)' } });
    v.send({ type: 'delta', id: 'a1', text: '\n\nIt scans every order.' });
    await v.frame();
    v.send({ type: 'done', id: 'a1' });
    assert.deepEqual(v.sequence(), ['text:Let me look at the plan.', 'step:done:✓explained the query: cost 248 → 11.6', 'text:It scans every order.']);

    const row = v.answer().querySelector('details.step') as HTMLDetailsElement;
    assert.equal(row.open, false, 'collapsed by default');
    assert.equal(row.querySelector('.step-input pre code')!.textContent, SQL);
    assert.equal((row.querySelector('.step-input div.code') as HTMLElement).dataset.lang, 'sql');
    assert.equal(row.querySelector('.step-result strong')!.textContent, 'Seq Scan', 'the result is rendered markdown');
    row.querySelector('summary')!.dispatchEvent(new v.w.MouseEvent('click', { bubbles: true }));
    assert.equal(row.open, true, 'a click on the row opens it');
  });

  test('a hostile tool result or input is inert: escaped text, no elements from it', () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'start', id: 'a1', question: 'q' });
    const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    v.send({ type: 'step', id: 'a1', step: { id: 's', tool: 'lint_sql', state: 'done', summary: `<b>${evil}</b>`, input: { sql: `SELECT 1; -- \`\`\`\n${evil}`, note: evil }, result: evil } });
    assert.equal(v.doc.querySelectorAll('img, script:not([src]), b').length, 0);
    const row = v.answer().querySelector('details.step')!;
    assert.match(row.querySelector('.step-summary')!.textContent!, /<img src=x/);
    assert.match(row.querySelector('.step-result')!.textContent!, /<script>alert\(2\)<\/script>/);
    // The backticks inside the SQL do not close its code block.
    assert.match(row.querySelector('.step-input div.code[data-lang="sql"] code')!.textContent!, /```\n<img/);
  });

  test('an error step is marked failed; a step for another turn or a malformed one changes nothing', () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'start', id: 'a1', question: 'q' });
    v.send({ type: 'step', id: 'a1', step: { id: 's1', tool: 'describe_table', state: 'error', summary: 'describe_table: no table nope', input: { table: 'nope' }, result: 'No table "nope".' } });
    for (const bad of [
      { type: 'step', id: 'other', step: { id: 's2', tool: 'x', state: 'done', summary: 'elsewhere' } },
      { type: 'step', id: 'a1', step: { id: 's3', tool: 'x', state: 'exploded', summary: 'bad state' } },
      { type: 'step', id: 'a1', step: { id: 4, tool: 'x', state: 'done', summary: 'bad id' } },
      { type: 'step', id: 'a1', step: null },
      { type: 'step', id: 'a1' },
    ]) v.send(bad);
    assert.deepEqual(v.sequence(), ['step:error:✗describe_table: no table nopefailed']);
    const row = v.answer().querySelector('details.step')!;
    assert.equal(row.querySelector('.step-input code')!.textContent, 'table: nope');
  });

  test('a cut answer shows the notice under it', () => {
    const v = load();
    v.send(INIT);
    v.send({ type: 'start', id: 'a1', question: 'q' });
    v.send({ type: 'delta', id: 'a1', text: 'The plan shows a sequential sc' });
    v.send({ type: 'done', id: 'a1', notice: 'The answer was cut at the max-tokens limit (777 tokens); ask to continue or raise the limit.' });
    const n = v.answer().querySelector('.turn-notice') as HTMLElement;
    assert.equal(n.hidden, false);
    assert.ok(n.classList.contains('cut'));
    assert.match(n.textContent!, /cut at the max-tokens limit/);
  });

  test('history: stored steps come back in place (text before, the step, text after), with the cut notice', () => {
    const v = load();
    const text = 'Let me look.\n\nAdd an index.';
    v.send({ ...INIT, history: [
      { role: 'user', text: 'Why slow?' },
      { role: 'assistant', text, notice: 'The answer was cut.', steps: [
        { id: 's1', tool: 'explain_query', state: 'done', summary: 'explained the query: cost 248 → 11.6', input: { sql: SQL }, result: 'Seq Scan', at: 'Let me look.'.length },
        { id: 's2', tool: 'bogus', state: 'nope', summary: 'dropped' },
      ] },
    ] });
    assert.deepEqual(v.sequence(), ['text:Let me look.', 'step:done:✓explained the query: cost 248 → 11.6', 'text:Add an index.']);
    assert.match((v.answer().querySelector('.turn-notice') as HTMLElement).textContent!, /cut/);
  });
});
