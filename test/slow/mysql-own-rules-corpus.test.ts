// MySQL's own rules on the real MySQL projects of ../shared/corpus/mysql (7 projects, 964 files):
// no exception or internal error, and the counts reviewed by hand (docs/decisions/0034-mysql-rules.md
// records the verdicts on samples). A change in a count is a change to review, not noise. Skipped
// (and counted) without the corpus.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../server/src/config';
import { Project } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model';
import { initParser } from '../../server/src/sql/parse';
import { CORPUS } from '../helpers';

const MYSQL = path.join(CORPUS, 'mysql');
const present = fs.existsSync(MYSQL);
const skip = present ? false : `corpus not found at ${MYSQL}`;

const RULES = ['charset-utf8mb3', 'non-innodb-engine', 'online-ddl-copy', 'non-transactional-ddl', 'timestamp-2038', 'removed-in-mysql-8', 'fk-type-mismatch'];

/** Reviewed counts per project (rules absent: 0). */
const EXPECTED: Record<string, Record<string, number>> = {
  'PrestaShop+autoupgrade': {},
  'apache+dolphinscheduler': { 'charset-utf8mb3': 130, 'timestamp-2038': 20, 'online-ddl-copy': 45 },
  'apolloconfig+apollo': { 'timestamp-2038': 60 },
  'datacharmer+test_db': { 'timestamp-2038': 15, 'charset-utf8mb3': 16 },
  'flowable+flowable-engine': { 'online-ddl-copy': 91, 'timestamp-2038': 29, 'charset-utf8mb3': 26 },
  'ory+hydra': { 'non-transactional-ddl': 65, 'timestamp-2038': 12, 'online-ddl-copy': 6 },
  'ory+kratos': { 'online-ddl-copy': 34, 'non-transactional-ddl': 31, 'timestamp-2038': 26 },
};

/** The corpus flattens paths (`/` -> `_`); ory's migration folder is put back so pop's convention is seen. */
function rel(project: string, base: string): string {
  if (project === 'ory+hydra') return base.replace(/^persistence_sql_migrations_/, 'persistence/sql/migrations/');
  if (project === 'ory+kratos') return base.replace(/^persistence_sql_migrations_sql_/, 'persistence/sql/migrations/sql/');
  return base;
}

const results = new Map<string, { project: Project; findings: Finding[] }>();
function run(project: string): { project: Project; findings: Finding[] } {
  let r = results.get(project);
  if (r) return r;
  const p = new Project({ ...defaultConfig(), dialect: 'mysql', dialectSource: 'the corpus test' }, (f) => rel(project, path.basename(f)));
  const dir = path.join(MYSQL, project);
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) p.setFile(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'));
  r = { project: p, findings: [...p.analyze().values()].flat() };
  results.set(project, r);
  return r;
}

const at = (r: { project: Project; findings: Finding[] }, rule: string, file: RegExp) =>
  r.findings.filter((f) => f.rule === rule && file.test(path.basename(f.path)));

before(async () => { if (present) await initParser(); });

describe('MySQL rules on the MySQL corpus', { skip }, () => {
  for (const [project, expected] of Object.entries(EXPECTED)) {
    test(`${project}: no internal error, and the reviewed counts`, () => {
      const r = run(project);
      assert.deepEqual(r.project.internalErrors.map((e) => `${e.rule} on ${path.basename(e.path)}: ${e.message.split('\n')[0]}`), []);
      const counts: Record<string, number> = {};
      for (const f of r.findings) if (RULES.includes(f.rule)) counts[f.rule] = (counts[f.rule] ?? 0) + 1;
      assert.deepEqual(counts, expected);
    });
  }

  test('reviewed samples: true positives stay, the known false-positive traps stay silent', () => {
    const test_db = run('datacharmer+test_db');
    // sakila's film_text is MyISAM, then /*!50610 ALTER TABLE film_text engine=InnoDB */: not reported
    assert.deepEqual(at(test_db, 'non-innodb-engine', /sakila/).map((f) => f.message), []);
    assert.ok(at(test_db, 'charset-utf8mb3', /sakila-mv-schema/).some((f) => f.message.startsWith('Table actor is utf8mb3')));
    const kratos = run('ory+kratos');
    // courier_messages.body: VARCHAR(255) -> TEXT on an existing table is a type change (ALGORITHM=COPY)
    assert.ok(at(kratos, 'online-ddl-copy', /courier_body_type\.mysql\.up/).some((f) => /body changes type from VARCHAR \(255\) to text/.test(f.message)));
    // every rollback is left alone
    assert.deepEqual(kratos.findings.filter((f) => RULES.includes(f.rule) && f.rule !== 'removed-in-mysql-8' && /\.down\.sql$/.test(f.path)).map((f) => f.message), []);
    const hydra = run('ory+hydra');
    assert.ok(at(hydra, 'non-transactional-ddl', /20190100000013000000_client\.mysql\.up/).some((f) => f.message.includes('runs 8 DDL statements')));
    // PrestaShop converts its utf8 tables to utf8mb4 in 1.7.7.0: the earlier CREATE TABLEs are not reported
    assert.deepEqual(at(run('PrestaShop+autoupgrade'), 'charset-utf8mb3', /./).map((f) => f.message), []);
  });
});
