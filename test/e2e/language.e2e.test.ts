// The language features a SQL editor user expects (issue #12), end to end in a real VS Code with the
// packaged extension and examples/shop: completion from the schema, an unknown column caught as you
// type with its quick fix, rename writing a new migration, and formatting. Each step writes its own
// query file, so the steps do not depend on one another's edits.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workbench } from './workbench';

async function step(wb: Workbench, name: string, fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (e) {
    const where = await wb.evidence(name);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${where}`);
  }
}

/** Every rendered line of the active editor, in order. */
async function editorText(wb: Workbench): Promise<string> {
  return wb.page.evaluate(() => {
    const lines = [...document.querySelectorAll('.editor-instance .view-lines .view-line')] as HTMLElement[];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
  });
}

async function waitForText(wb: Workbench, re: RegExp, timeout = 15_000): Promise<string> {
  const end = Date.now() + timeout;
  let text = '';
  while (Date.now() < end) {
    text = await editorText(wb);
    if (re.test(text)) return text;
    await wb.page.waitForTimeout(200);
  }
  throw new Error(`the editor never showed ${re}; it shows:\n${text}`);
}

describe('language features in a trusted workspace', () => {
  let wb: Workbench;
  before(async () => {
    wb = new Workbench();
    await wb.start();
    // the first activation opens the walkthrough (.dbe.json activates the extension at startup): let it
    // open before the steps open their files, so it does not take the focus from them
    await wb.page.getByText('Get started with DB Engineer').first().waitFor({ timeout: 30_000 });
    await wb.page.waitForTimeout(1500);
  });
  after(async () => { await wb?.stop(); });

  const write = (rel: string, text: string) => fs.writeFileSync(path.join(wb.workspace, rel), text);

  test('completion after an alias offers that table\'s columns with their types', async () => step(wb, 'completion', async () => {
    write('queries/typing.sql', 'SELECT  FROM orders o;\n');
    await wb.open('queries/typing.sql');
    // the workspace is indexed (the status bar says how many files) before anything is typed
    await wb.page.locator('.statusbar-item', { hasText: /DB Engineer: \d+ files/ }).first().waitFor({ timeout: 60_000 });
    await wb.goTo(1, 8);
    await wb.page.keyboard.type('o.', { delay: 50 });
    const widget = wb.page.locator('.editor-widget.suggest-widget.visible');
    await widget.waitFor({ timeout: 15_000 });
    const rows = widget.locator('.monaco-list-row');
    await rows.filter({ hasText: 'total_amount' }).first().waitFor({ timeout: 10_000 });
    const labels = (await widget.locator('.monaco-list-row .label-name').allTextContents()).join('\n');
    for (const c of ['id', 'user_id', 'status', 'created_at']) assert.match(labels, new RegExp(`\\b${c}\\b`), `orders.${c} is offered`);
    // columns of other tables are not offered after `o.`
    assert.doesNotMatch(labels, /\bemail\b/, 'users.email is not a column of orders');
    // the item's detail shows the column's type and nullability
    await widget.locator('.monaco-list-row', { hasText: /numeric|bigint|text/ }).first().waitFor({ timeout: 10_000 });
    await wb.shot('e2e-completion');
    await wb.page.keyboard.type('tot', { delay: 50 });
    await rows.filter({ hasText: 'total_amount' }).first().waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Enter');
    await waitForText(wb, /SELECT o\.total_amount\s+FROM orders o;/);
    await wb.command('File: Revert File');
  }));

  test('an unknown column is an error over the whole name as you type, with "did you mean" and its quick fix', async () => step(wb, 'unknown-column', async () => {
    write('queries/typo.sql', 'SELECT o.id, o.totl_amount\nFROM orders o;\n');
    await wb.open('queries/typo.sql');
    await wb.page.locator('.editor-instance .squiggly-error').first().waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Control+Shift+M');
    // the workspace has many problems and the list renders only the rows in view: show this file's
    const filter = wb.page.locator('.viewpane-filter input, .viewpane-filter textarea').first();
    await filter.waitFor({ timeout: 10_000 });
    await filter.fill('**/typo.sql');
    const rows = wb.page.locator('.markers-panel .monaco-list-row');
    await rows.filter({ hasText: 'unknown-column' }).first().waitFor({ timeout: 15_000 });
    const problems = (await rows.filter({ hasText: 'unknown-column' }).allTextContents()).join('\n');
    assert.match(problems, /totl_amount/);
    assert.match(problems, /total_amount/, 'did you mean the real column');
    const fix = await wb.quickFix(1, 18, 'total_amount');
    await wb.shot('e2e-unknown-column');
    await fix.click();
    await waitForText(wb, /SELECT o\.id, o\.total_amount/);
    await wb.command('File: Save');
    let saved = '';
    for (const until = Date.now() + 10_000; Date.now() < until && !/total_amount/.test(saved); await wb.page.waitForTimeout(200)) saved = fs.readFileSync(path.join(wb.workspace, 'queries/typo.sql'), 'utf8');
    assert.equal(saved, 'SELECT o.id, o.total_amount\nFROM orders o;\n', 'the fixed text is saved, the rest of the file byte for byte');
    await rows.filter({ hasText: 'unknown-column' }).first().waitFor({ state: 'detached', timeout: 15_000 });
    await filter.fill('');
  }));

  test('renaming a column in a query writes a new migration and updates the query, after the preview', async () => step(wb, 'rename', async () => {
    const dir = path.join(wb.workspace, 'migrations');
    const applied = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const));
    write('queries/rename.sql', 'SELECT id, status FROM orders WHERE status = \'paid\';\n');
    await wb.open('queries/rename.sql');
    await wb.goTo(1, 13);
    await wb.page.keyboard.press('F2');
    const input = wb.page.locator('.rename-box input, .rename-box textarea').first();
    await input.waitFor({ timeout: 10_000 });
    await input.fill('order_status');
    await wb.page.keyboard.press('Enter');
    // the edits carry the expand/contract warning and need confirmation: VS Code shows the Refactor Preview
    const apply = wb.page.getByRole('button', { name: 'Apply', exact: true }).first();
    await apply.waitFor({ timeout: 15_000 });
    // edits that need confirmation start unticked: tick every change, as a user who read the warning would
    const unticked = wb.page.locator('.monaco-list-row .monaco-checkbox[aria-checked="false"], .monaco-list-row input[type="checkbox"]:not(:checked)');
    await wb.page.locator('.monaco-list-row', { hasText: 'rename.sql' }).filter({ hasText: 'queries' }).first().waitFor({ timeout: 10_000 });
    for (let i = 0; i < 10 && await unticked.count(); i++) { await unticked.first().click(); await wb.page.waitForTimeout(150); }
    assert.equal(await unticked.count(), 0, 'every change of the rename is ticked');
    await wb.shot('e2e-rename-preview');
    await apply.click();
    const end = Date.now() + 15_000;
    let created: string[] = [];
    while (Date.now() < end) {
      created = fs.readdirSync(dir).filter((f) => !applied.has(f));
      if (created.length) break;
      await wb.page.waitForTimeout(200);
    }
    assert.ok(created.length >= 1, `a new migration in migrations/: ${created}`);
    await wb.command('File: Save All');
    let text = '';
    for (const until = Date.now() + 10_000; Date.now() < until && !/RENAME/.test(text); await wb.page.waitForTimeout(200)) {
      text = created.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    }
    assert.match(text, /ALTER TABLE (\w+\.)?orders RENAME COLUMN status TO order_status/i);
    for (const [f, before] of applied) assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), before, `${f} (applied) is not edited`);
    let query = '';
    for (const until = Date.now() + 10_000; Date.now() < until && !/order_status/.test(query); await wb.page.waitForTimeout(200)) query = fs.readFileSync(path.join(wb.workspace, 'queries/rename.sql'), 'utf8');
    assert.match(query, /SELECT id, order_status FROM orders WHERE order_status = 'paid';/);
    assert.match(fs.readFileSync(path.join(wb.workspace, 'queries/reports.sql'), 'utf8'), /o\.order_status = 'refunded'/, 'the other query file too');
  }));

  test('Format Document rewrites the layout and keeps every token', async () => step(wb, 'format', async () => {
    const original = "select id,total_amount from orders where status='paid' and created_at>now()-interval '1 day' order by created_at desc;\n";
    write('queries/format.sql', original);
    await wb.open('queries/format.sql');
    await wb.command('Format Document');
    const text = await waitForText(wb, /\n\s*(FROM|from)\s+orders/);
    const words = (s: string) => s.toLowerCase().match(/[a-z_]+|'[^']*'/g)!.join(' ');
    assert.equal(words(text), words(original), 'the same words, in the same order');
    await wb.shot('e2e-format');
    await wb.command('File: Save');
  }));
});
