// Generated docs are current, and every rule's documented examples behave as documented.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectedFiles, ROOT } from '../scripts/docs';
import { ALL_RULES, DOCUMENTED_RULES } from '../server/src/rules';
import { lintText, ready } from './helpers';

before(ready);

test('docs/rules and the README rule table are generated from the current metadata (run npm run docs)', () => {
  for (const [file, text] of expectedFiles()) {
    assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} is missing: run npm run docs`);
    assert.equal(fs.readFileSync(file, 'utf8'), text, `${path.relative(ROOT, file)} is stale: run npm run docs`);
  }
  const docs = fs.readdirSync(path.join(ROOT, 'docs', 'rules')).sort();
  assert.deepEqual(docs, DOCUMENTED_RULES.map((r) => `${r.meta.id}.md`).sort(), 'docs/rules holds a page for each rule and nothing else');
});

// The sandbox's rules (postgres-error) need PostgreSQL: their examples are checked in test/sandbox.test.ts.
for (const r of ALL_RULES) {
  const m = r.meta;
  test(`${m.id}: metadata is complete and its examples behave as documented`, () => {
    assert.match(m.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    for (const k of ['title', 'principle', 'rationale', 'bad', 'good'] as const) assert.ok(m[k] && m[k].trim().length > 0, `${m.id}: ${k} is empty`);
    const bad = lintText(m.bad).findings.filter((f) => f.rule === m.id);
    assert.ok(bad.length > 0, `${m.id}: the "bad" example does not trigger the rule`);
    const good = lintText(m.good).findings.filter((f) => f.rule === m.id);
    assert.deepEqual(good.map((f) => f.message), [], `${m.id}: the "good" example triggers the rule`);
    if (m.fixable) assert.ok(bad.some((f) => f.fixes && f.fixes.length > 0) || m.id === 'syntax-error', `${m.id}: fixable, but the bad example offers no fix`);
  });
}
