// Generated docs are current, and every rule's documented examples behave as documented.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectedFiles, ROOT } from '../scripts/docs';
import { ALL_RULES, DOCUMENTED_RULES } from '../server/src/rules';
import { defaultConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import type { Finding } from '../server/src/model';
import { lintText, ready } from './helpers';

/**
 * Lints a documented example: one file, or several introduced by `-- file: <path>` lines (rules
 * that judge how migration files relate, such as missing-rollback).
 */
function lintExample(text: string, dialect?: 'mysql'): Finding[] {
  // a rule of MySQL's alone documents MySQL examples: they are read as MySQL
  const config = { ...defaultConfig(), ...(dialect ? { dialect, dialectSource: 'the docs test' } : {}) };
  const parts = text.split(/^-- file: (\S+).*$/m);
  if (parts.length < 3) return lintText(text, config).findings;
  const p = new Project(config, (f) => f.replace(/^\/virtual\//, ''));
  for (let i = 1; i + 1 < parts.length; i += 2) p.setFile(`/virtual/${parts[i]}`, parts[i + 1]);
  return [...p.analyze().values()].flat();
}

before(ready);

/** Findings of `bad` as the second migration of a project whose first one is `schema`. */
function inProject(schema: string, bad: string): Finding[] {
  const p = new Project(defaultConfig(), (f) => f.replace(/^\/virtual\//, ''));
  p.setFile('/virtual/001_schema.sql', schema);
  p.setFile('/virtual/002_change.sql', bad);
  return p.analyze().get('/virtual/002_change.sql') ?? [];
}

test('docs/rules and the README rule table are generated from the current metadata (run npm run docs)', () => {
  for (const [file, text] of expectedFiles()) {
    assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} is missing: run npm run docs`);
    assert.equal(fs.readFileSync(file, 'utf8'), text, `${path.relative(ROOT, file)} is stale: run npm run docs`);
  }
  const docs = fs.readdirSync(path.join(ROOT, 'docs', 'rules')).sort();
  assert.deepEqual(docs, DOCUMENTED_RULES.map((r) => `${r.meta.id}.md`).sort(), 'docs/rules holds a page for each rule and nothing else');
});

// The sandbox's rules (postgres-error) need PostgreSQL: their examples are checked in test/slow/sandbox.test.ts.
for (const r of ALL_RULES) {
  const m = r.meta;
  test(`${m.id}: metadata is complete and its examples behave as documented`, () => {
    assert.match(m.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    for (const k of ['title', 'principle', 'rationale', 'bad', 'good'] as const) assert.ok(m[k] && m[k].trim().length > 0, `${m.id}: ${k} is empty`);
    const dialect = m.dialects && !m.dialects.includes('postgres') ? 'mysql' as const : undefined;
    const bad = lintExample(m.bad, dialect).filter((f) => f.rule === m.id);
    assert.ok(bad.length > 0, `${m.id}: the "bad" example does not trigger the rule`);
    const good = lintExample(m.good, dialect).filter((f) => f.rule === m.id);
    assert.deepEqual(good.map((f) => f.message), [], `${m.id}: the "good" example triggers the rule`);
    const fixable = m.fixSchema ? inProject(m.fixSchema, m.bad).filter((f) => f.rule === m.id) : bad;
    if (m.fixable) assert.ok(fixable.some((f) => f.fixes && f.fixes.length > 0) || m.id === 'syntax-error', `${m.id}: fixable, but the bad example offers no fix`);
  });
}
