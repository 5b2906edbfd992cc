// The editor's summary of a migration plan (server/src/lsp/migrations.ts): what the status tooltip and
// the Schema view show per migration folder, built from engine/conventions.ts planMigrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planMigrations } from '../server/src/engine/conventions';
import { summarizePlan } from '../server/src/lsp/migrations';

const sql = 'CREATE TABLE t (id int);\n';

test('a full schema beside each of two versioned folders is listed under its own folder, not the first one', () => {
  const rels = [
    'schema/temporal/schema.sql', 'schema/temporal/versioned/v1.0/schema.sql', 'schema/temporal/versioned/v1.1/a.sql',
    'schema/visibility/schema.sql', 'schema/visibility/versioned/v1.0/schema.sql', 'schema/visibility/versioned/v1.1/b.sql',
  ];
  const plan = planMigrations(rels.map((rel) => ({ rel, text: sql })), {});
  const list = summarizePlan(plan, { details: true, uriOf: (rel) => `file:///ws/${rel}` });
  const of = (folder: string) => list.find((m) => m.folder === folder)!;
  assert.deepEqual(list.map((m) => [m.folder, m.convention, m.up]), [['schema/temporal/versioned', 'versioned-folders', 2], ['schema/visibility/versioned', 'versioned-folders', 2]]);
  assert.deepEqual(of('schema/temporal/versioned').notReplayed?.map((n) => n.path), ['schema/temporal/schema.sql']);
  assert.deepEqual(of('schema/visibility/versioned').notReplayed?.map((n) => [n.path, n.uri]), [['schema/visibility/schema.sql', 'file:///ws/schema/visibility/schema.sql']]);
  assert.match(of('schema/visibility/versioned').notReplayed![0].why, /second install path/);
});

test('no tool: one plain entry with the files replayed in path order; no file: nothing', () => {
  const plan = planMigrations([{ rel: 'b.sql', text: sql }, { rel: 'a.sql', text: sql }], {});
  assert.deepEqual(summarizePlan(plan, { workspace: 'api' }), [{
    workspace: 'api', folder: '', convention: 'plain', detectedBy: 'no migration tool recognised', up: 2, down: 0, order: 'tool', first: 'a.sql', last: 'b.sql', warnings: [],
  }]);
  assert.deepEqual(summarizePlan(planMigrations([], {})), []);
});
