// MySQL in a real VS Code (issue #13), with the packaged extension and examples/shop-mysql as the
// workspace: its query file is read as MySQL (its .dbe.json says so), the Problems panel shows the
// findings in MySQL's words, and no PostgreSQL syntax error nor "other dialect" notice anywhere.
// The screenshot goes to e2e-artifacts/ (evidence for docs/decisions/0036), never to docs/images/.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, Workbench } from './workbench';

async function step(wb: Workbench, name: string, fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (e) {
    const where = await wb.evidence(name);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${where}`);
  }
}

describe('examples/shop-mysql in a trusted workspace', () => {
  let wb: Workbench;
  before(async () => {
    wb = new Workbench({ example: 'shop-mysql' });
    await wb.start();
    // the first activation opens the walkthrough (.dbe.json activates the extension at startup)
    await wb.page.getByText('Get started with DB Engineer').first().waitFor({ timeout: 30_000 });
    await wb.page.waitForTimeout(1500);
  });
  after(async () => { await wb?.stop(); });

  test('a MySQL query file: MySQL findings in the Problems panel, no PostgreSQL syntax error', async () => step(wb, 'mysql-problems', async () => {
    await wb.open('queries/reports.sql');
    await wb.page.locator('.statusbar-item', { hasText: /DB Engineer: \d+ files/ }).first().waitFor({ timeout: 60_000 });
    // the status bar names the active file's dialect
    await wb.page.locator('.statusbar-item', { hasText: /DB Engineer: \d+ files · MySQL/ }).first().waitFor({ timeout: 30_000 });
    await wb.page.locator('.editor-instance .squiggly-warning').first().waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Control+Shift+M');
    const filter = wb.page.locator('.viewpane-filter input, .viewpane-filter textarea').first();
    await filter.waitFor({ timeout: 10_000 });
    const rows = wb.page.locator('.markers-panel .monaco-list-row');

    // nothing anywhere in the workspace is a syntax error or "another dialect"
    for (const word of ['syntax-error', 'other-dialect', 'postgres-error']) {
      await filter.fill(word);
      await wb.page.waitForTimeout(1000);
      assert.equal(await rows.filter({ hasText: word }).count(), 0, `a ${word} problem is shown`);
    }

    await filter.fill('**/reports.sql');
    await rows.filter({ hasText: 'order-by-random' }).first().waitFor({ timeout: 30_000 });
    const shown = (await rows.allTextContents()).join('\n');
    assert.match(shown, /ORDER BY RAND\(\)/, 'the finding in MySQL\'s words');
    assert.match(shown, /select-star/);
    assert.doesNotMatch(shown, /syntax error at or near/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await wb.page.screenshot({ path: path.join(ARTIFACTS, 'e2e-mysql-problems.png') });

    // a migration of the example: a schema finding judged on the MySQL schema
    await filter.fill('**/000004_catalog_and_events.up.sql');
    await rows.filter({ hasText: 'int-primary-key' }).first().waitFor({ timeout: 30_000 });
    assert.match((await rows.allTextContents()).join('\n'), /user_events\.id is a 32-bit INT/);
    await filter.fill('');
  }));
});
