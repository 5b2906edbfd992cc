// The shared rules on every project of ../shared/corpus/mysql (read as MySQL): no internal error, the
// lowering reads (nearly) every query, and no finding from the rules whose corpus findings were all
// judged wrong in review (missing-index and non-sargable-predicate on one-off upgrade DML; see
// docs/decisions/0033-mysql-lowering.md). Every finding's range lies inside its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS, projectFor, ready } from '../helpers';
import { defaultConfig, mergeConfig } from '../../server/src/config';
import { lex } from '../../server/src/dialects/mysql/lex';
import { MYSQL_STATEMENT } from '../../server/src/dialects/types';

const MY = path.join(CORPUS, 'mysql');
const skip = fs.existsSync(MY) ? false : `corpus not found at ${MY}`;
const JUDGED_WRONG = new Set(['missing-index', 'non-sargable-predicate']);
// rules that must never report on a MySQL file
const NEVER = new Set(['fk-without-index', 'create-index-non-concurrently', 'timestamp-without-time-zone', 'char-n', 'other-dialect']);
// syntax errors only where MariaDB itself refuses the file (valid.tsv: its verdict per file)
const REFUSED = new Set(fs.existsSync(path.join(MY, 'valid.tsv')) ? fs.readFileSync(path.join(MY, 'valid.tsv'), 'utf8').split('\n').filter((l) => l && !l.endsWith('\tok')).map((l) => l.split('\t')[0]) : []);

test('shared rules on the MySQL corpus: no internal error, queries lowered, no finding judged wrong', { skip }, async () => {
  await ready();
  const lowered: Record<string, [number, number]> = {};
  const byRule: Record<string, number> = {};
  for (const d of fs.readdirSync(MY).filter((x) => fs.statSync(path.join(MY, x)).isDirectory())) {
    const dir = path.join(MY, d);
    const p = projectFor(dir, mergeConfig(defaultConfig(), { dialect: 'mysql' }, path.join(dir, '.dbe.json')));
    const results = p.analyze();
    assert.deepEqual(p.internalErrors, [], `${d}: internal errors`);
    for (const f of p.order()) {
      assert.equal(f.dialect.family, 'mysql', f.path);
      for (const s of f.statements) {
        const t = lex(s.text).tokens[0];
        const w = t ? (t.kind === 'op' ? t.value : t.upper) : '';
        const k = w === 'WITH' ? 'SELECT' : w === 'REPLACE' ? 'INSERT' : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].includes(w) ? w : 'other';
        (lowered[k] ??= [0, 0])[1]++;
        if (s.kind !== MYSQL_STATEMENT) lowered[k][0]++;
        assert.equal(s.parsed.error, undefined, `${f.path}: the lowering never reports a syntax error`);
      }
    }
    for (const [file, findings] of results) {
      const text = p.getFile(file)!.text;
      for (const f of findings) {
        byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
        assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end, `${file}: ${f.rule} range`);
        assert.ok(!JUDGED_WRONG.has(f.rule), `${path.basename(file)}: ${f.rule} (judged wrong on this corpus): ${f.message}`);
        assert.ok(!NEVER.has(f.rule), `${path.basename(file)}: ${f.rule} on a MySQL file: ${f.message}`);
        if (f.rule === 'syntax-error') assert.ok(REFUSED.has(path.relative(MY, file).replace(/\\/g, '/')), `${path.basename(file)}: syntax-error on a file MariaDB accepts: ${f.message}`);
      }
    }
  }
  console.log(`# lowered per kind: ${JSON.stringify(lowered)}; findings per rule: ${JSON.stringify(byRule)}`);
  const share = (k: string) => lowered[k] ? lowered[k][0] / lowered[k][1] : 1;
  assert.ok(share('SELECT') >= 0.95 && share('DELETE') >= 0.95 && share('UPDATE') >= 0.98 && share('INSERT') >= 0.97, JSON.stringify(lowered));
});
