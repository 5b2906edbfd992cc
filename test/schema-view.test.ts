// The Schema view (client/src/schema/tree.ts), activated with the extension against
// test/fake-vscode.ts: the view and its commands are contributed and registered, the tree renders
// from the dbEngineer/schemaTree answer (stubbed here; test/schema-tree.test.ts covers the server),
// items open their definitions, a recommendation applies its fix through a previewed WorkspaceEdit,
// "write all" applies the combined migration and opens it, diagnostics refresh the tree (debounced),
// and every empty or failing state is one explanatory item.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installFakeVscode, makeContext, rec } from './fake-vscode';
import { ROOT } from './helpers';
import {
  INDEX_MIGRATION_REQUEST, SCHEMA_TREE_REQUEST, type IndexMigrationResult, type LspRange, type SchemaFolder, type SchemaTreeResult,
} from '../server/src/lsp/schema-protocol';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vscode = installFakeVscode() as any;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require('../client/src/extension') as typeof import('../client/src/extension');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tree = require('../client/src/schema/tree') as typeof import('../client/src/schema/tree');
type Node = import('../client/src/schema/tree').SchemaNode;

const INIT = 'file:///ws/migrations/001_init.sql';
const NEW = 'file:///ws/migrations/002_add_index_idx_orders_user_id.sql';
const r = (l1: number, c1: number, l2: number, c2: number): LspRange => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const at = (range: LspRange) => ({ uri: INIT, range });

function folder(uri: string, name: string): SchemaFolder {
  return {
    uri, name,
    tables: [
      {
        schema: 'public', name: 'orders', kind: 'table',
        columns: [
          { name: 'id', type: 'bigint', notNull: true, hasDefault: true, identity: true, generated: false, location: at(r(7, 2, 7, 4)) },
          { name: 'user_id', type: 'bigint', notNull: true, hasDefault: false, identity: false, generated: false, location: at(r(8, 2, 8, 9)) },
          { name: 'note', type: 'text', notNull: false, hasDefault: false, identity: false, generated: false, location: at(r(9, 2, 9, 6)) },
        ],
        primaryKey: { columns: ['id'] },
        indexes: [
          { name: 'orders_pkey', columns: ['id'], unique: true, method: 'btree', constraint: 'primary', location: at(r(7, 40, 7, 41)) },
          { name: 'orders_note_idx', columns: ['note'], unique: false, method: 'gin', predicate: 'note IS NOT NULL', location: at(r(11, 0, 11, 60)) },
        ],
        foreignKeys: [{ columns: ['user_id'], refTable: 'public.users', refColumns: ['id'], notValid: false, location: at(r(8, 17, 8, 18)) }],
        findings: [{ rule: 'fk-without-index', severity: 'warning', message: 'Foreign key orders (user_id) -> users has no index', location: at(r(8, 17, 8, 35)) }],
        location: at(r(6, 13, 6, 19)),
      },
      {
        schema: 'audit', name: 'log_view', kind: 'view', columns: [], indexes: [], foreignKeys: [], findings: [], location: at(r(12, 12, 12, 20)),
      },
    ],
    recommendations: [
      {
        rule: 'fk-without-index', severity: 'warning', message: 'Foreign key orders (user_id) -> users has no index', location: at(r(8, 17, 8, 35)),
        table: 'public.orders',
        fix: { title: 'Add CREATE INDEX idx_orders_user_id on orders (user_id)', edit: { changes: { [INIT]: [{ range: r(10, 2, 10, 2), newText: '\nCREATE INDEX idx_orders_user_id ON orders (user_id);' }] } } },
      },
      { rule: 'missing-index', severity: 'info', message: 'orders is filtered on note', location: at(r(3, 0, 3, 5)) },
    ],
  };
}

const TREE: SchemaTreeResult = { status: 'ok', trusted: true, folders: [folder('file:///ws', 'ws')] };
const MIGRATION: IndexMigrationResult = {
  message: '1 CREATE INDEX statement from 1 recommendation. Migration: migrations/002_add_index_idx_orders_user_id.sql.',
  uris: [NEW], count: 1,
  edit: { documentChanges: [
    { kind: 'create', uri: NEW, options: { overwrite: false, ignoreIfExists: false } },
    { textDocument: { uri: NEW, version: null }, edits: [{ range: r(0, 0, 0, 0), newText: '-- Add index idx_orders_user_id\nCREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);\n' }] },
  ] },
};

let provider: import('../client/src/schema/tree').SchemaTreeProvider;
const item = (n: Node) => provider.getTreeItem(n) as any;
const labels = (nodes: Node[]) => nodes.map((n) => item(n).label);
async function roots(): Promise<Node[]> { provider.refresh(); return provider.getChildren() as Promise<Node[]>; }
async function child(parent: Node, label: string): Promise<Node> {
  const kids = await provider.getChildren(parent);
  const found = kids.find((k) => item(k).label === label);
  assert.ok(found, `${label} in ${labels(kids)}`);
  return found;
}
const treeRequests = () => rec.requests.filter((q) => q.method === SCHEMA_TREE_REQUEST);
/** The Refactor Preview applied with these ops ticked (default all): created files exist, inserted text lands in them. */
function preview(ticked: (op: any) => boolean = () => true): (ops: any[]) => boolean {
  return (ops) => {
    const kept = ops.filter(ticked);
    for (const o of kept) {
      if (o.op === 'create') rec.files.set(o.uri, '');
      else if (rec.files.has(o.uri)) rec.files.set(o.uri, rec.files.get(o.uri) + o.text);
    }
    return kept.length > 0;
  };
}

before(async () => {
  vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file('/ws'), name: 'ws', index: 0 }];
  rec.answers.set(SCHEMA_TREE_REQUEST, TREE);
  await ext.activate(makeContext(ROOT));
  provider = rec.views.get(tree.SCHEMA_VIEW_ID);
});
after(async () => { await ext.deactivate(); });
beforeEach(() => {
  rec.answers.set(SCHEMA_TREE_REQUEST, TREE);
  rec.onApplyEdit = undefined;
  rec.files.clear();
  vscode.workspace.isTrusted = true;
  vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file('/ws'), name: 'ws', index: 0 }];
});

describe('Schema view', () => {
  test('contributed beside the chat, with its title actions; the view and every command are registered', () => {
    assert.deepEqual(pkg.contributes.views.dbEngineer.map((v: any) => [v.id, v.name]), [['dbEngineer.chat', 'Chat'], ['dbEngineer.schema', 'Schema']]);
    assert.ok(provider && typeof provider.getChildren === 'function', 'a TreeDataProvider for dbEngineer.schema');
    const titles = pkg.contributes.menus['view/title'].filter((m: any) => m.when === 'view == dbEngineer.schema').map((m: any) => m.command);
    assert.deepEqual(titles.sort(), [tree.REFRESH_SCHEMA_COMMAND, tree.WRITE_INDEX_MIGRATION_COMMAND].sort());
    const title = pkg.contributes.commands.find((c: any) => c.command === tree.WRITE_INDEX_MIGRATION_COMMAND).title;
    assert.equal(title, 'Write All Index Recommendations into One Migration');
    for (const c of pkg.contributes.commands) assert.ok(rec.commands.has(c.command), `command ${c.command} is registered`);
  });

  test('one folder: the recommendations first, then the tables with their columns, indexes, foreign keys and findings', async () => {
    const top = await roots();
    assert.deepEqual(labels(top), ['Index recommendations (2)', 'orders', 'audit.log_view']);
    assert.equal(item(top[0]).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(item(top[1]).description, '1 finding');
    assert.equal(item(top[2]).description, 'view');
    assert.equal(item(top[2]).iconPath.id, 'eye');

    assert.deepEqual(labels(await provider.getChildren(top[1])), ['Columns (3)', 'Indexes (2)', 'Foreign keys (1)', 'Findings (1)']);
    assert.deepEqual(labels(await provider.getChildren(top[2])), ['Columns (0)'], 'empty groups other than Columns are left out');
    const cols = await provider.getChildren(await child(top[1], 'Columns (3)'));
    assert.deepEqual(cols.map((c) => [item(c).label, item(c).description]), [
      ['id', 'bigint NOT NULL identity primary key'], ['user_id', 'bigint NOT NULL'], ['note', 'text null'],
    ]);
    assert.equal(item(cols[0]).iconPath.id, 'key');
    const ixs = await provider.getChildren(await child(top[1], 'Indexes (2)'));
    assert.deepEqual(ixs.map((c) => item(c).description), ['(id) unique primary key', '(note) gin WHERE note IS NOT NULL']);
    const fks = await provider.getChildren(await child(top[1], 'Foreign keys (1)'));
    assert.deepEqual(labels(fks), ['user_id → users (id)']);
    const findings = await provider.getChildren(await child(top[1], 'Findings (1)'));
    assert.equal(item(findings[0]).description, 'fk-without-index');
    assert.equal(item(findings[0]).iconPath.id, 'warning');
  });

  test('clicking a table, column, index or foreign key opens its definition at its range', async () => {
    const top = await roots();
    const open = (n: Node) => {
      const c = item(n).command;
      assert.equal(c.command, 'vscode.open');
      const pos = (p: any) => ({ line: p.line, character: p.character });
      return { uri: c.arguments[0].toString(), start: pos(c.arguments[1].selection.start), end: pos(c.arguments[1].selection.end) };
    };
    assert.deepEqual(open(top[1]), { uri: INIT, start: { line: 6, character: 13 }, end: { line: 6, character: 19 } });
    const cols = await provider.getChildren(await child(top[1], 'Columns (3)'));
    assert.deepEqual(open(cols[1]).start, { line: 8, character: 2 });
    const ixs = await provider.getChildren(await child(top[1], 'Indexes (2)'));
    assert.deepEqual(open(ixs[1]).start, { line: 11, character: 0 });
    const fks = await provider.getChildren(await child(top[1], 'Foreign keys (1)'));
    assert.deepEqual(open(fks[0]).start, { line: 8, character: 17 });
  });

  test('clicking a recommendation applies its fix as a WorkspaceEdit that asks for confirmation', async () => {
    const top = await roots();
    const recs = await provider.getChildren(top[0]);
    assert.deepEqual(labels(recs), ['Add CREATE INDEX idx_orders_user_id on orders (user_id)', 'orders is filtered on note']);
    assert.equal(item(recs[0]).description, 'orders · fk-without-index');
    const click = item(recs[0]).command;
    assert.equal(click.command, tree.APPLY_RECOMMENDATION_COMMAND);
    const before = rec.applied.length;
    await vscode.commands.executeCommand(click.command, ...click.arguments);
    assert.equal(rec.applied.length, before + 1);
    const [op] = rec.applied.at(-1);
    assert.equal(op.op, 'replace');
    assert.equal(op.uri, INIT);
    assert.deepEqual([op.range.start.line, op.range.start.character], [10, 2]);
    assert.equal(op.text, '\nCREATE INDEX idx_orders_user_id ON orders (user_id);');
    assert.equal(op.meta.needsConfirmation, true, 'previewed before anything changes');
    // a recommendation without a fix opens its finding instead
    assert.equal(item(recs[1]).command.command, 'vscode.open');
    assert.equal(item(recs[1]).contextValue, 'dbEngineer.indexRecommendationNoFix');
  });

  test('"Write all index recommendations into one migration" applies the combined edit (previewed) and opens the new file', async () => {
    rec.answers.set(INDEX_MIGRATION_REQUEST, MIGRATION);
    rec.onApplyEdit = preview();
    const before = rec.applied.length;
    await vscode.commands.executeCommand(tree.WRITE_INDEX_MIGRATION_COMMAND);
    assert.deepEqual(rec.requests.at(-1), { method: INDEX_MIGRATION_REQUEST, params: {} });
    assert.equal(rec.applied.length, before + 1);
    const ops = rec.applied.at(-1);
    assert.deepEqual(ops.map((o: any) => [o.op, o.uri]), [['create', NEW], ['replace', NEW]]);
    assert.deepEqual(ops[0].opts, { overwrite: false, ignoreIfExists: false });
    assert.match(ops[1].text, /CREATE INDEX CONCURRENTLY idx_orders_user_id/);
    assert.ok(ops.every((o: any) => o.meta.needsConfirmation === true));
    assert.equal(rec.shown.at(-1), NEW);
    assert.match(rec.info.at(-1)!, /1 CREATE INDEX statement from 1 recommendation/);

    // from the folder's recommendations node: only that folder
    const top = await roots();
    await vscode.commands.executeCommand(tree.WRITE_INDEX_MIGRATION_COMMAND, top[0]);
    assert.deepEqual(rec.requests.at(-1), { method: INDEX_MIGRATION_REQUEST, params: { folder: 'file:///ws' } });

    // nothing to write: the server's reason, nothing applied
    rec.answers.set(INDEX_MIGRATION_REQUEST, { message: 'There are no index recommendations to write.', uris: [], count: 0 });
    const n = rec.applied.length;
    await vscode.commands.executeCommand(tree.WRITE_INDEX_MIGRATION_COMMAND);
    assert.equal(rec.applied.length, n);
    assert.equal(rec.info.at(-1), 'DB Engineer: There are no index recommendations to write.');
  });

  test('a recommendation is one short line, the table and columns of the index (not the fix title cut off at its migration name); the tooltip has the whole title', () => {
    const title = 'Create index idx_user_sessions_user_id on user_sessions (user_id) in a new migration 005_add_idx_user_sessions_user_id.sql';
    const recNode: Node = { kind: 'recommendation', id: 'r', rec: { rule: 'fk-without-index', severity: 'warning', message: 'm', table: 'public.user_sessions', fix: { title, edit: MIGRATION.edit! } } };
    const it = item(recNode);
    assert.equal(it.label, 'user_sessions (user_id)');
    assert.equal(it.description, 'fk-without-index');
    assert.match(it.tooltip, /Click to preview and apply: Create index idx_user_sessions_user_id on user_sessions \(user_id\) in a new migration 005_add_idx_user_sessions_user_id\.sql/);
    const inline = { ...recNode, rec: { ...recNode.rec, fix: { title: 'Create index idx_orders_user_id on orders (user_id) after the CREATE TABLE of orders', edit: MIGRATION.edit! } } } as Node;
    assert.equal(item(inline).label, 'orders (user_id)');
  });

  test('write all, nothing ticked in the Refactor Preview (or discarded): the message says so and how to apply; no file is opened', async () => {
    rec.answers.set(INDEX_MIGRATION_REQUEST, MIGRATION);
    rec.onApplyEdit = preview(() => false);
    const shown = rec.shown.length;
    await vscode.commands.executeCommand(tree.WRITE_INDEX_MIGRATION_COMMAND);
    assert.equal(rec.info.at(-1), 'DB Engineer: the migration with 1 recommended index was not applied: nothing was ticked in the Refactor Preview, or the preview was discarded (DB Engineer\'s changes start unticked there: tick them, then press Apply).');
    assert.equal(rec.shown.length, shown);
  });

  test('write all, the new file left unticked but its text ticked: "applied only in part", naming the file', async () => {
    rec.answers.set(INDEX_MIGRATION_REQUEST, MIGRATION);
    rec.onApplyEdit = preview((o) => o.op !== 'create');
    await vscode.commands.executeCommand(tree.WRITE_INDEX_MIGRATION_COMMAND);
    assert.equal(rec.info.at(-1), 'DB Engineer: the migration with 1 recommended index was applied only in part: 002_add_index_idx_orders_user_id.sql was left unticked in the Refactor Preview, so not created.');
  });

  test('apply one: the file ticked but its text not: created empty, and the message says so', async () => {
    const recNode: Node = { kind: 'recommendation', id: 'r', rec: { rule: 'fk-without-index', severity: 'warning', message: 'm', fix: { title: 'Create index idx_orders_user_id on orders (user_id) in a new migration 002_add_index_idx_orders_user_id.sql', edit: MIGRATION.edit! } } };
    rec.onApplyEdit = preview((o) => o.op === 'create');
    await vscode.commands.executeCommand(tree.APPLY_RECOMMENDATION_COMMAND, recNode);
    assert.equal(rec.info.at(-1), 'DB Engineer: the index on orders (user_id) was applied only in part: 002_add_index_idx_orders_user_id.sql was created empty, because its text was left unticked in the Refactor Preview; delete it and apply again.');
  });

  test('apply one, its migration file exists already: not applied, the reason given, and no preview opened', async () => {
    const recNode: Node = { kind: 'recommendation', id: 'r', rec: { rule: 'fk-without-index', severity: 'warning', message: 'm', fix: { title: 'Create index idx_orders_user_id on orders (user_id) in a new migration 002_add_index_idx_orders_user_id.sql', edit: MIGRATION.edit! } } };
    rec.files.set(NEW, 'SELECT 1;\n');
    const applied = rec.applied.length;
    await vscode.commands.executeCommand(tree.APPLY_RECOMMENDATION_COMMAND, recNode);
    assert.equal(rec.applied.length, applied, 'no edit sent to VS Code');
    assert.equal(rec.info.at(-1), 'DB Engineer: the index on orders (user_id) was not applied: 002_add_index_idx_orders_user_id.sql exists already (written since the recommendation was made); refresh the Schema view and try again.');
    assert.equal(rec.files.get(NEW), 'SELECT 1;\n', 'the existing file is untouched');
  });

  test('apply one, all ticked: the new migration is opened and no complaint is shown', async () => {
    const recNode: Node = { kind: 'recommendation', id: 'r', rec: { rule: 'fk-without-index', severity: 'warning', message: 'm', fix: { title: 'Create index idx_orders_user_id on orders (user_id) in a new migration 002_add_index_idx_orders_user_id.sql', edit: MIGRATION.edit! } } };
    rec.onApplyEdit = preview();
    const info = rec.info.length;
    await vscode.commands.executeCommand(tree.APPLY_RECOMMENDATION_COMMAND, recNode);
    assert.equal(rec.info.length, info);
    assert.equal(rec.shown.at(-1), NEW);
    assert.match(rec.files.get(NEW)!, /CREATE INDEX CONCURRENTLY idx_orders_user_id/);
  });

  test('the table tooltip counts in English: "1 foreign key", not "1 foreign keys"', async () => {
    const top = await roots();
    assert.equal(item(top[1]).tooltip, 'public.orders: 3 columns, 2 indexes, 1 foreign key');
  });

  test('diagnostics changes refresh the tree once they settle; other files do not', async () => {
    await roots();
    let fired = 0;
    const sub = provider.onDidChangeTreeData(() => { fired++; });
    try {
      for (let i = 0; i < 5; i++) for (const l of rec.diagnosticListeners) l({ uris: [vscode.Uri.file('/ws/migrations/001_init.sql')] });
      for (const l of rec.diagnosticListeners) l({ uris: [vscode.Uri.file('/ws/README.md')] });
      assert.equal(fired, 0, 'debounced');
      await new Promise((res) => setTimeout(res, tree.REFRESH_DEBOUNCE_MS + 150));
      assert.equal(fired, 1);
      const n = treeRequests().length;
      await provider.getChildren();
      assert.equal(treeRequests().length, n + 1, 'the next render asks the server again');
      await provider.getChildren();
      assert.equal(treeRequests().length, n + 1, 'and then uses that answer');
    } finally { sub.dispose(); }
  });

  test('several folders: one node each, holding its recommendations and tables', async () => {
    rec.answers.set(SCHEMA_TREE_REQUEST, { status: 'ok', trusted: true, folders: [folder('file:///a', 'a'), folder('file:///b', 'b')] });
    const top = await roots();
    assert.deepEqual(labels(top), ['a', 'b']);
    assert.deepEqual(labels(await provider.getChildren(top[1])), ['Index recommendations (2)', 'orders', 'audit.log_view']);
  });

  test('empty and failing states are one explanatory item, never a thrown error', async () => {
    const single = async () => {
      const top = await roots();
      assert.equal(top.length, 1, JSON.stringify(top));
      assert.equal(top[0].kind, 'message');
      return item(top[0]);
    };
    vscode.workspace.workspaceFolders = undefined;
    assert.match((await single()).label, /^Open a folder/);
    vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file('/ws'), name: 'ws', index: 0 }];

    vscode.workspace.isTrusted = false;
    const untrusted = await single();
    assert.equal(untrusted.label, 'Restricted Mode: Trust this folder to enable the sandbox, Explain and cross-file schema.');
    assert.equal(untrusted.command.command, 'workbench.trust.manage');
    vscode.workspace.isTrusted = true;

    rec.answers.set(SCHEMA_TREE_REQUEST, () => { throw Object.assign(new Error('Client is not running'), { code: -32096 }); });
    const stopped = await single();
    assert.match(stopped.label, /not running/);
    assert.equal(stopped.command.command, 'dbEngineer.restartServer');

    rec.answers.set(SCHEMA_TREE_REQUEST, () => { throw new Error('The schema could not be built: boom'); });
    const failed = await single();
    assert.match(failed.label, /^The schema could not be loaded: The schema could not be built: boom/);
    assert.equal(failed.command.command, tree.REFRESH_SCHEMA_COMMAND);

    rec.answers.set(SCHEMA_TREE_REQUEST, { status: 'disabled', trusted: true, folders: [] });
    assert.match((await single()).label, /turned off/);

    rec.answers.set(SCHEMA_TREE_REQUEST, { status: 'ok', trusted: true, folders: [{ uri: 'file:///ws', name: 'ws', tables: [], recommendations: [] }] });
    const top = await roots();
    assert.deepEqual(labels(top), ['Index recommendations (0)', 'No tables yet: no CREATE TABLE in this folder\'s SQL files.']);
    assert.equal(item(top[0]).collapsibleState, vscode.TreeItemCollapsibleState.None);

    // still scanning: says so, and asks again by itself
    rec.answers.set(SCHEMA_TREE_REQUEST, { status: 'not-ready', trusted: true, folders: [] });
    assert.match((await single()).label, /Reading the workspace/);
    rec.answers.set(SCHEMA_TREE_REQUEST, TREE);
    const refreshed = new Promise<void>((res) => { const s = provider.onDidChangeTreeData(() => { s.dispose(); res(); }); });
    await refreshed;
    assert.equal(labels(await provider.getChildren())[0], 'Index recommendations (2)');
  });
});
