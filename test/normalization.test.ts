// The normalization refactors and missing-rollback, end to end: apply each fix of every invalid
// fixture, parse every file it writes with PostgreSQL's parser, lint the result again: the finding is
// gone and no other rule reports anything it did not report before. Also the multi-migration
// placement helper (placeMigrations) these refactors use.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, applyFix, projectFor, ready } from './helpers';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import type { Finding } from '../server/src/model';
import { Project } from '../server/src/engine/project';
import { defaultConfig } from '../server/src/config';
import { placeMigration, placeMigrations as placeSteps, type MigrationPlan } from '../server/src/engine/placement';
import type { SourceFile } from '../server/src/model';

/** The steps' placements as one edit list (what a fix carries), their paths, and the mode. */
function placeMigrations(files: readonly SourceFile[], plans: MigrationPlan[]) {
  const r = placeSteps(files, plans);
  return { edits: r.flatMap((p) => p.edits), paths: r.map((p) => p.path), mode: r[0].mode };
}
import { applyEdits } from '../server/src/engine/edits';

before(ready);

const RULES = ['repeating-column-group', 'multi-valued-column', 'eav-table', 'partition-candidate', 'missing-rollback'];
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rules');

const key = (f: Finding) => `${f.rule} ${path.basename(f.path)}: ${f.message}`;

for (const id of RULES) {
  const dir = path.join(FIXTURES, id);
  if (!fs.existsSync(dir)) continue;
  describe(`${id}: applying each fix`, () => {
    for (const name of fs.readdirSync(dir).filter((n) => n.startsWith('invalid_') && !n.endsWith('.snap')).sort()) {
      test(`${name}: every written file parses; the finding goes, nothing new appears`, () => {
        const fixture = path.join(dir, name);
        const p = projectFor(fixture);
        const all = [...p.analyze().values()].flat();
        const hits = all.filter((f) => f.rule === id);
        let fixes = 0;
        for (const f of hits) {
          for (const [i] of (f.fixes ?? []).entries()) {
            fixes++;
            const fixed = projectFor(fixture);
            for (const [file, text] of applyFix(p, f, i)) {
              for (const s of splitStatements(text).statements) {
                const r = parseStatement(s.text);
                assert.equal(r.error, undefined, `${path.basename(file)}: ${r.error?.message} in\n${s.text}`);
              }
              fixed.setFile(file, text);
            }
            const after = [...fixed.analyze().values()].flat();
            assert.deepEqual(fixed.internalErrors, []);
            assert.ok(!after.some((x) => x.rule === id && x.message === f.message && x.path === f.path), `still reported: ${f.message}`);
            const beforeKeys = new Set(all.map(key));
            assert.deepEqual(after.map(key).filter((k) => !beforeKeys.has(k)), [], `fix "${f.fixes![i].title}" brings new findings`);
          }
        }
        assert.ok(hits.length > 0);
        // MySQL fixtures: these refactors are written in PostgreSQL, so none is offered on MySQL
        if (/_mysql_|\.mysql\./.test(name)) assert.equal(fixes, 0, `${name}: a PostgreSQL refactor offered on a MySQL file`);
        else if (!/no_fix/.test(name)) assert.ok(fixes > 0, `${name}: no fix offered`);
      });
    }
  });
}

describe('placeMigrations', () => {
  const project = (files: Record<string, string>) => {
    const p = new Project(defaultConfig(), (f) => f.replace(/^\/p\//, ''));
    for (const [k, v] of Object.entries(files)) p.setFile(`/p/${k}`, v);
    return p;
  };
  const plans = (p: Project, anchorPath: string) => {
    const anchor = p.getFile(`/p/${anchorPath}`)!.statements[0];
    return [
      { title: 'Expand step', up: 'CREATE TABLE b (id bigint PRIMARY KEY);', down: 'DROP TABLE b;', anchor },
      { title: 'Contract step', up: 'ALTER TABLE a DROP COLUMN x;', down: 'ALTER TABLE a ADD COLUMN x text;', anchor },
    ];
  };
  test('golang-migrate: consecutive numbers, each with its down file', () => {
    const p = project({ 'm/000001_init.up.sql': 'CREATE TABLE a (id bigint PRIMARY KEY, x text);', 'm/000001_init.down.sql': 'DROP TABLE a;' });
    const r = placeMigrations(p.order(), plans(p, 'm/000001_init.up.sql'));
    assert.deepEqual(r.edits.map((e) => e.path), ['/p/m/000002_expand_step.up.sql', '/p/m/000002_expand_step.down.sql', '/p/m/000003_contract_step.up.sql', '/p/m/000003_contract_step.down.sql']);
    assert.ok(r.edits.every((e) => e.create));
    assert.match(r.edits[3].newText, /ADD COLUMN x text/);
  });
  test('Diesel: one directory per step, one second apart', () => {
    const p = project({ 'migrations/2024-01-01-000000_init/up.sql': 'CREATE TABLE a (id bigint PRIMARY KEY, x text);', 'migrations/2024-01-01-000000_init/down.sql': 'DROP TABLE a;' });
    const r = placeMigrations(p.order(), plans(p, 'migrations/2024-01-01-000000_init/up.sql'));
    assert.deepEqual(r.paths, ['/p/migrations/2024-01-01-000001_expand_step/up.sql', '/p/migrations/2024-01-01-000002_contract_step/up.sql']);
  });
  test('one plan gives what placeMigration gives', () => {
    const p = project({ 'db/001_init.sql': 'CREATE TABLE a (id bigint PRIMARY KEY, x text);', 'db/002_more.sql': 'SELECT 1;' });
    const [one] = plans(p, 'db/001_init.sql');
    assert.deepEqual(placeMigrations(p.order(), [one]).edits, placeMigration(p.order(), one).edits);
  });
  test('a single schema file: both steps inline after the anchor, in order, as one insertion', () => {
    const p = project({ 'schema.sql': 'CREATE TABLE a (id bigint PRIMARY KEY, x text);\nSELECT 1;' });
    const r = placeMigrations(p.order(), plans(p, 'schema.sql'));
    assert.equal(r.mode, 'inline');
    assert.equal(r.edits.length, 1);
    assert.equal(applyEdits(p.getFile('/p/schema.sql')!.text, r.edits),
      'CREATE TABLE a (id bigint PRIMARY KEY, x text);\nCREATE TABLE b (id bigint PRIMARY KEY);\n\nALTER TABLE a DROP COLUMN x;\nSELECT 1;');
  });
});

describe('missing-rollback in the editor', () => {
  test('URI keys: the rollback is created beside the up migration, under the same scheme', () => {
    const p = new Project(defaultConfig(), (f) => f.replace(/^file:\/\/\/w\//, ''));
    p.setFile('file:///w/db/000001_init.up.sql', 'CREATE TABLE a (id bigint PRIMARY KEY);');
    p.setFile('file:///w/db/000001_init.down.sql', 'DROP TABLE a;');
    p.setFile('file:///w/db/000002_b.up.sql', '-- b\nCREATE TABLE b (id bigint PRIMARY KEY);\nCREATE INDEX b_id ON b (id);');
    const hits = [...p.analyze().values()].flat().filter((f) => f.rule === 'missing-rollback');
    assert.deepEqual(hits.map((h) => [h.path, h.start]), [['file:///w/db/000002_b.up.sql', 5]]);
    const edit = hits[0].fixes![0].edits[0];
    assert.equal(edit.path, 'file:///w/db/000002_b.down.sql');
    assert.equal(edit.create, true);
    assert.match(edit.newText, /DROP INDEX IF EXISTS b_id;\nDROP TABLE b;\n$/);
  });
});

describe('refactors in the editor', () => {
  test('the partition refactor of a Diesel project is one WorkspaceEdit: a CreateFile and its text per new file, in order', async () => {
    const { fixToWorkspaceEdit } = await import('../server/src/lsp/convert');
    const fixture = path.join(FIXTURES, 'partition-candidate', 'invalid_diesel');
    const p = projectFor(fixture);
    const f = [...p.analyze().values()].flat().find((x) => x.rule === 'partition-candidate')!;
    const we = fixToWorkspaceEdit(p, f.fixes![0], (k) => `file://${k}`)!;
    const ops = we.documentChanges!.map((c: any) => (c.kind === 'create' ? `create ${path.relative(fixture, c.uri.slice(7))}` : 'text'));
    assert.deepEqual(ops.filter((o) => o.startsWith('create')), [
      'create migrations/2024-03-01-000001_create_audit_trail_partitioned_partition/up.sql',
      'create migrations/2024-03-01-000001_create_audit_trail_partitioned_partition/down.sql',
      'create migrations/2024-03-01-000002_copy_audit_trail_rows_into_audit_trail_p/up.sql',
      'create migrations/2024-03-01-000002_copy_audit_trail_rows_into_audit_trail_p/down.sql',
      'create migrations/2024-03-01-000003_switch_audit_trail_to_the_partitioned_ta/up.sql',
      'create migrations/2024-03-01-000003_switch_audit_trail_to_the_partitioned_ta/down.sql',
      'create migrations/2024-03-01-000004_drop_audit_trail_unpartitioned/up.sql',
      'create migrations/2024-03-01-000004_drop_audit_trail_unpartitioned/down.sql',
    ]);
    assert.equal(ops.length, 16);
    // without client support for creating files the refactor is not offered as an edit
    assert.equal(fixToWorkspaceEdit(p, f.fixes![0], (k) => `file://${k}`, false), undefined);
  });
});
