// Issue #11, the editor side (client/src with the in-memory vscode stand-in, test/fake-vscode.ts):
// the status bar item's tooltip says which migration tool each folder holds and repeats the plan's
// warnings; the Schema view has a node per migration folder whose children are the warnings and the
// files not replayed (with why, opening the file); older servers (no `migrations`) show as before.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { installFakeVscode, rec } from './fake-vscode';
import type { MigrationSummary } from '../server/src/lsp/migrations-protocol';
import { SCHEMA_TREE_REQUEST, type SchemaTreeResult } from '../server/src/lsp/schema-protocol';

const vscode = installFakeVscode() as any;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StatusItem } = require('../client/src/status') as typeof import('../client/src/status');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrationsText } = require('../client/src/status-text') as typeof import('../client/src/status-text');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tree = require('../client/src/schema/tree') as typeof import('../client/src/schema/tree');
type Node = import('../client/src/schema/tree').SchemaNode;

const GOLANG: MigrationSummary = {
  folder: 'db/migrations', convention: 'golang-migrate', detectedBy: '247 files named as golang-migrate names them',
  up: 124, down: 123, order: 'tool', first: '001_init.up.sql', last: '124_audit.up.sql',
  warnings: ['db/migrations/003_a.up.sql and db/migrations/003_b.up.sql have the same version 003: golang-migrate refuses or runs only one of them; their order here is by path'],
  notReplayedCount: 1,
};

describe('status tooltip: the migration convention', () => {
  test('one sentence per migration folder with its tool, counts and range, then its warnings', () => {
    const s = new StatusItem();
    const item = rec.statusItems.at(-1);
    const base = { state: 'ready' as const, trusted: true, files: 248, folders: 1, ms: 40 };
    s.update({ ...base, migrations: [GOLANG] });
    const tip = String(item.tooltip);
    assert.match(tip, /Migrations: db\/migrations is golang-migrate \(124 up, 123 down, 1 not replayed\), replayed from 001_init\.up\.sql to 124_audit\.up\.sql\./);
    assert.match(tip, /⚠ db\/migrations: db\/migrations\/003_a\.up\.sql and db\/migrations\/003_b\.up\.sql have the same version 003: .* by path\./);
    assert.ok(tip.endsWith('Click for the server log.'));
    s.update(base);
    assert.doesNotMatch(String(item.tooltip), /Migrations/, 'a server that predates the field: as before');
    s.dispose();
  });

  test('sqitch with its plan, a migrations.order override, no tool, several workspace folders, many warnings', () => {
    assert.equal(migrationsText([{ folder: '', convention: 'sqitch', detectedBy: 'deploy/ with revert/ beside it', up: 3, down: 3, order: 'tool', first: 'deploy/a.sql', last: 'deploy/c.sql', warnings: [] }]),
      ' Migrations: . is sqitch (3 up, 3 down), replayed from deploy/a.sql to deploy/c.sql in sqitch.plan order.');
    assert.equal(migrationsText([{ ...GOLANG, order: 'path', warnings: [], notReplayedCount: undefined }]),
      ' Migrations: db/migrations is golang-migrate (124 up, 123 down), replayed from 001_init.up.sql to 124_audit.up.sql in path order (migrations.order).');
    assert.equal(migrationsText([{ workspace: 'api', folder: '', convention: 'plain', detectedBy: 'no migration tool recognised', up: 1, down: 0, order: 'tool', first: 'schema.sql', last: 'schema.sql', warnings: [] }]),
      ' Migrations (api): no migration tool recognised; 1 file replayed (schema.sql) in path order.');
    assert.equal(migrationsText([{ folder: '', convention: 'plain', detectedBy: 'no migration tool recognised', up: 2, down: 2, order: 'tool', first: 'a_up.sql', last: 'b_up.sql', warnings: [] }]),
      ' Migrations: no migration tool recognised; 2 files replayed from a_up.sql to b_up.sql in path order, 2 rollbacks judged after their up.');
    const many = migrationsText([{ ...GOLANG, workspace: 'api', warnings: ['w1', 'w2', 'w3', 'w4', 'w5'] }]);
    assert.match(many, /⚠ api: db\/migrations: w3\. ⚠ api: db\/migrations: 2 more warnings in the Schema view\.$/);
    assert.doesNotMatch(many, /w4/);
    assert.equal(migrationsText(undefined), '');
  });
});

describe('Schema view: the migrations node', () => {
  const answer = (migrations?: MigrationSummary[]): SchemaTreeResult => ({
    status: 'ok', trusted: true, folders: [{ uri: 'file:///ws', name: 'ws', tables: [], recommendations: [], ...(migrations ? { migrations } : {}) }],
  });
  const provider = (r: SchemaTreeResult) => {
    vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file('/ws'), name: 'ws', index: 0 }];
    vscode.workspace.isTrusted = true;
    return new tree.SchemaTreeProvider(() => ({ sendRequest: async <R>(method: string) => { assert.equal(method, SCHEMA_TREE_REQUEST); return r as R; } }));
  };

  test('after the recommendations: the tool and counts, detectedBy in the tooltip; children are the warnings and the files not replayed', async () => {
    const p = provider(answer([{
      ...GOLANG, notReplayed: [{ path: 'db/migrations/README_setup.sql', uri: 'file:///ws/db/migrations/README_setup.sql', why: 'not named as golang-migrate names migrations' }],
    }]));
    const top = (await p.getChildren()) as Node[];
    const items = top.map((n) => p.getTreeItem(n) as any);
    assert.deepEqual(items.map((i) => i.label).slice(0, 2), ['Index recommendations (0)', 'Migrations: golang-migrate, 124 up, 123 down, 1 not replayed']);
    const m = items[1];
    assert.equal(m.description, 'db/migrations');
    assert.equal(m.iconPath.id, 'warning');
    assert.equal(m.collapsibleState, vscode.TreeItemCollapsibleState.Expanded, 'a folder with warnings is open');
    assert.match(String(m.tooltip), /^db\/migrations: golang-migrate, detected by 247 files named as golang-migrate names them; replayed from 001_init\.up\.sql to 124_audit\.up\.sql\./);
    const kids = (await p.getChildren(top[1])) as Node[];
    const k = kids.map((n) => p.getTreeItem(n) as any);
    assert.deepEqual(k.map((i) => [i.label, i.iconPath.id]), [[GOLANG.warnings[0], 'warning'], ['db/migrations/README_setup.sql', 'circle-slash']]);
    assert.equal(k[1].description, 'not named as golang-migrate names migrations');
    assert.equal(k[1].command.command, 'vscode.open');
    assert.equal(String(k[1].command.arguments[0]), 'file:///ws/db/migrations/README_setup.sql');
    p.dispose();
  });

  test('no warning: a quiet leaf; more files not replayed than sent: a count; an older server: no node', async () => {
    const quiet = provider(answer([{ ...GOLANG, warnings: [], notReplayedCount: undefined }]));
    const [, q] = (await quiet.getChildren()) as Node[];
    const qi = quiet.getTreeItem(q) as any;
    assert.equal(qi.label, 'Migrations: golang-migrate, 124 up, 123 down');
    assert.equal(qi.iconPath.id, 'versions');
    assert.equal(qi.collapsibleState, vscode.TreeItemCollapsibleState.None);
    quiet.dispose();

    const many = provider(answer([{ ...GOLANG, warnings: [], notReplayedCount: 3, notReplayed: [{ path: 'a.mysql.up.sql', why: 'MySQL' }] }]));
    const [, m] = (await many.getChildren()) as Node[];
    const kids = ((await many.getChildren(m)) as Node[]).map((n) => many.getTreeItem(n) as any);
    assert.deepEqual(kids.map((i) => i.label), ['a.mysql.up.sql', '2 more files not replayed (dbe lint --verbose lists them)']);
    assert.equal(kids[0].command, undefined, 'no URI: nothing to open');
    many.dispose();

    const old = provider(answer());
    const labels = ((await old.getChildren()) as Node[]).map((n) => (old.getTreeItem(n) as any).label);
    assert.ok(!labels.some((l: string) => /^Migrations/.test(l)), labels.join(', '));
    old.dispose();
  });
});
