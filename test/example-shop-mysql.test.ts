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

/** The rule ids of the README's table of expected findings. */
function readmeRules(): Set<string> {
  const md = fs.readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8');
  const ids = new Set<string>();
  for (const row of md.split('\n').filter((l) => l.startsWith('| `'))) {
    const cells = row.split('|').map((c) => c.trim());
    const m = /^`([a-z0-9-]+)`/.exec(cells[3] ?? '');
    if (m) ids.add(m[1]);
  }
  return ids;
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
    const listed = readmeRules();
    assert.ok(listed.has('missing-rollback') && listed.has('charset-utf8mb3') && listed.size >= 20);
    const all = r.out.files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, path: f.path })));
    for (const d of all) {
      const where = `${d.path}:${d.range.start.line + 1} ${d.rule}: ${d.message}`;
      assert.notEqual(d.rule, 'other-dialect', where);
      assert.notEqual(d.rule, 'syntax-error', where);
      assert.notEqual(d.rule, 'postgres-error', where);
      const meta = RULES_BY_ID.get(d.rule)?.meta;
      if (meta) assert.ok((meta.dialects ?? ['postgres']).includes('mysql'), `PostgreSQL-only rule on a MySQL file: ${where}`);
      assert.ok(listed.has(d.rule), `not among the findings examples/shop-mysql/README.md lists: ${where}`);
    }
    // what works today: the migration without its down file
    const rollback = all.filter((d) => d.rule === 'missing-rollback');
    assert.deepEqual(rollback.map((d) => `${d.path.split(path.sep).join('/')}:${d.range.start.line + 1}`), ['examples/shop-mysql/migrations/000005_orders_by_date.up.sql:2']);
    assert.match(rollback[0].message, /000005_orders_by_date\.down\.sql is missing/);
    // exit status as the README documents it
    assert.equal(r.code, r.out.summary.errors > 0 ? 1 : 0);
    const strict = lint('--fail-on', 'warning');
    assert.equal(strict.code, strict.out.summary.errors + strict.out.summary.warnings > 0 ? 1 : 0);
    assert.equal(strict.code, 1, 'missing-rollback is a warning');
  });
});
