// Issue #13, the editor side (client/src with the in-memory vscode stand-in, test/fake-vscode.ts): the
// status bar item names the active SQL file's dialect and, on hover, why it was chosen.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { installFakeVscode, rec } from './fake-vscode';

installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StatusItem } = require('../client/src/status') as typeof import('../client/src/status');

describe('status bar: the active file\'s dialect', () => {
  test('"MySQL" in the text, "MySQL — file name (mysql)" in the tooltip; none without a SQL file; Restricted Mode too', () => {
    const s = new StatusItem();
    const item = rec.statusItems.at(-1);
    const base = { state: 'ready' as const, trusted: true, files: 4, folders: 1, ms: 12 };
    s.update(base);
    assert.equal(item.text, '$(database) DB Engineer: 4 files');
    s.setDialect({ id: 'mysql', name: 'MySQL', why: 'file name (mysql)' });
    assert.equal(item.text, '$(database) DB Engineer: 4 files · MySQL');
    assert.match(String(item.tooltip), /^This file: MySQL — file name \(mysql\)\. 4 SQL files in 1 folder analysed/);
    s.setDialect({ id: 'mariadb', name: 'MariaDB', why: '"dialect" in .dbe.json' });
    assert.match(String(item.tooltip), /^This file: MariaDB — "dialect" in \.dbe\.json\./);
    s.update({ ...base, state: 'ready', files: 5 });
    assert.equal(item.text, '$(database) DB Engineer: 5 files · MariaDB', 'kept across status updates');
    s.update({ ...base, files: 5, sandbox: { state: 'ready', ran: 3, failed: 0, explained: 1, rejected: 0, findings: 0, ms: 40 } });
    assert.match(item.text, /^\$\(database\) DB Engineer: 5 files · sandbox .* · MariaDB$/, 'after the sandbox part');
    s.setDialect(null);
    s.update({ ...base, files: 5 });
    assert.equal(item.text, '$(database) DB Engineer: 5 files');
    s.update({ ...base, trusted: false });
    s.setDialect({ id: 'mysql', name: 'MySQL', why: 'setting dbEngineer.dialect' });
    assert.match(String(item.tooltip), /^This file: MySQL — setting dbEngineer\.dialect\. Restricted Mode/);
    s.dispose();
  });
});
