// Issue #13: the PGlite sandbox (PostgreSQL) and MySQL files, through the real stdio server with a
// real sandbox: in a project with both dialects the PostgreSQL migrations are replayed (a PostgreSQL
// error arrives as postgres-error), the MySQL files are never sent (no postgres-error on them, though
// PostgreSQL would refuse every statement), the log says once why. Run by `npm run test:slow`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from '../lspClient';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const pgErrors = (p: PublishDiagnosticsParams) => p.diagnostics.filter((d) => d.code === 'postgres-error');

describe('the sandbox in a project with MySQL files', () => {
  test('PostgreSQL files replayed (their error shown), MySQL files never sent: no postgres-error on them', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mysql-sbx-'));
    dirs.push(ws);
    const files: Record<string, string> = {
      'migrations/001_init.sql': 'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);\n',
      'migrations/002_more.sql': 'ALTER TABLE customers ADD COLUMN note text;\n',
      // PostgreSQL refuses this one: the sandbox ran
      'migrations/003_broken.sql': 'ALTER TABLE customers RENAME COLUMN nothere TO other;\n',
      'queries/reports.sql': 'SELECT id, email FROM customers;\n',
      // MySQL by its name; every statement a syntax error for PostgreSQL
      'mysql/001_legacy.mysql.sql': 'CREATE TABLE `legacy` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) ENGINE=InnoDB;\nSELECT `id` FROM `legacy` LIMIT 1, 2;\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      fs.writeFileSync(path.join(ws, rel), text);
    }
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5, rules: { 'unknown-column': 'off', 'unknown-relation': 'off' } } });
    try {
      await client.waitForStatus((s) => s.state === 'ready', 120_000);
      const my = fileUri(path.join(ws, 'mysql/001_legacy.mysql.sql'));
      const broken = fileUri(path.join(ws, 'migrations/003_broken.sql'));
      await client.open(my, files['mysql/001_legacy.mysql.sql']);
      await client.open(broken, files['migrations/003_broken.sql']);
      const ready = await client.waitForStatus((s) => s.sandbox?.state === 'ready', 120_000);
      assert.equal(ready.sandbox!.findings, 1, 'the one PostgreSQL error');
      const got = await client.waitFor(broken, (p) => pgErrors(p).length > 0, 30_000);
      assert.match(pgErrors(got)[0].message, /nothere/);
      const mine = client.latest.get(my);
      assert.ok(mine, 'the MySQL file was published');
      assert.deepEqual(pgErrors(mine!), [], 'no postgres-error on a MySQL file');
      assert.deepEqual(await client.codeLenses(my), [], 'no Explain lens on a MySQL file');
      assert.ok(client.logs.some((l) => /1 MySQL\/MariaDB file of .* left out: the sandbox is PostgreSQL \(PGlite\)/.test(l)), client.logs.join('\n'));
    } finally {
      await client.stop();
    }
  });
});
