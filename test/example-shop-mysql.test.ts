// examples/shop-mysql as a user lints it: every file read as MySQL (by its .dbe.json), no notice that
// it is another dialect, no syntax error, no PostgreSQL-only rule; the findings are among those its
// README lists, and `dbe lint` exits as documented (1 when an error-level finding is reported, else 0).
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES_BY_ID } from '../server/src/rules';
import { listSql, projectFor, ready, ROOT } from './helpers';

const EXAMPLE = path.join(ROOT, 'examples', 'shop-mysql');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface JsonDiag { rule: string; severity: string; message: string; range: { start: { line: number } } }
interface JsonOut { files: { path: string; diagnostics: JsonDiag[] }[]; summary: { files: number; errors: number; warnings: number } }

function lint(...extra: string[]): { code: number | null; out: JsonOut; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'lint', 'examples/shop-mysql', '--format', 'json', ...extra], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: JSON.parse(r.stdout), stderr: r.stderr };
}

/** The README's table of expected findings: "file:line rule" for each line of each row. */
function readmeFindings(): Set<string> {
  const md = fs.readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8');
  const out = new Set<string>();
  for (const row of md.split('\n').filter((l) => l.startsWith('| `'))) {
    const cells = row.split('|').map((c) => c.trim());
    const file = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    const rule = /^`([a-z0-9-]+)`/.exec(cells[3] ?? '')?.[1];
    if (!file || !rule) continue;
    for (const line of (cells[2] ?? '').split(',')) out.add(`${file}:${line.trim()} ${rule}`);
  }
  return out;
}

before(ready);

describe('examples/shop-mysql', () => {
  test('every SQL file is read as MySQL, because .dbe.json says so', () => {
    const p = projectFor(EXAMPLE);
    const files = listSql(EXAMPLE);
    assert.equal(files.length, 11);
    for (const f of files) {
      const sf = p.getFile(f)!;
      assert.equal(sf.dialect.id, 'mysql', f);
      assert.equal(sf.dialect.by, 'config', f);
      assert.equal(sf.otherDialect, undefined, `${f}: read as another dialect`);
      assert.ok(sf.statements.length > 0, `${f}: no statement`);
    }
    // the routine file's DELIMITER is understood: DROP PROCEDURE and the whole CREATE PROCEDURE
    const routine = p.getFile(path.join(EXAMPLE, 'routines', 'purge_user_events.sql'))!;
    assert.equal(routine.statements.length, 2);
    assert.match(routine.statements[1].text, /^CREATE PROCEDURE purge_user_events[\s\S]*SELECT ROW_COUNT\(\) AS purged;\s*END\s*$/);
  });

  test('dbe lint: MySQL findings only, those the README lists, and the documented exit status', () => {
    const r = lint();
    assert.equal(r.stderr, '');
    assert.equal(r.out.summary.files, 11, 'every file is linted');
    const listed = readmeFindings();
    assert.ok(listed.has('migrations/000005_orders_by_date.up.sql:2 missing-rollback') && listed.has('migrations/000002_create_orders.up.sql:7 charset-utf8mb3') && listed.size >= 25);
    const all = r.out.files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, path: f.path })));
    const key = (d: { path: string; rule: string; range: { start: { line: number } } }) =>
      `${path.relative(EXAMPLE, path.resolve(ROOT, d.path)).split(path.sep).join('/')}:${d.range.start.line + 1} ${d.rule}`;
    for (const d of all) {
      const where = `${key(d)}: ${d.message}`;
      assert.notEqual(d.rule, 'other-dialect', where);
      assert.notEqual(d.rule, 'syntax-error', where);
      assert.notEqual(d.rule, 'postgres-error', where);
      const meta = RULES_BY_ID.get(d.rule)?.meta;
      if (meta) assert.ok((meta.dialects ?? ['postgres']).includes('mysql'), `PostgreSQL-only rule on a MySQL file: ${where}`);
      assert.ok(listed.has(key(d)), `not among the findings examples/shop-mysql/README.md lists: ${where}`);
    }
    // the shared rules that hold on MySQL, on this branch (MySQL's own rules come with their branch)
    const got = new Set(all.map(key));
    for (const k of [
      'migrations/000002_create_orders.up.sql:6 float-for-money', 'migrations/000004_catalog_and_events.up.sql:5 repeating-column-group',
      'migrations/000004_catalog_and_events.up.sql:8 multi-valued-column', 'migrations/000004_catalog_and_events.up.sql:13 eav-table',
      'migrations/000004_catalog_and_events.up.sql:22 int-primary-key', 'migrations/000005_orders_by_date.up.sql:2 missing-rollback',
      'queries/reports.sql:2 select-star', 'queries/reports.sql:4 non-sargable-predicate', 'queries/reports.sql:6 leading-wildcard-like',
      'queries/reports.sql:8 equals-null', 'queries/reports.sql:10 order-by-random', 'queries/reports.sql:12 limit-without-order-by',
      'queries/reports.sql:14 missing-index', 'queries/reports.sql:18 not-in-subquery', 'queries/reports.sql:22 delete-without-where',
    ]) assert.ok(got.has(k), `expected ${k}; got:\n${[...got].join('\n')}`);
    assert.ok(!got.has('queries/reports.sql:2 missing-index'), 'InnoDB indexed orders.user_id for its foreign key');
    const rollback = all.find((d) => d.rule === 'missing-rollback')!;
    assert.match(rollback.message, /000005_orders_by_date\.down\.sql is missing/);
    assert.match(all.find((d) => d.rule === 'order-by-random')!.message, /ORDER BY RAND\(\)/, 'in MySQL\'s words');
    // exit status as the README documents it
    assert.equal(r.code, r.out.summary.errors > 0 ? 1 : 0);
    const strict = lint('--fail-on', 'warning');
    assert.equal(strict.code, strict.out.summary.errors + strict.out.summary.warnings > 0 ? 1 : 0);
    assert.equal(strict.code, 1, 'missing-rollback is a warning');
  });
});
