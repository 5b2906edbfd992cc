// Every rule's fixtures: valid_* must not trigger the rule; invalid_* must, matching the snapshot
// (invalid_*.snap, regenerated with UPDATE_SNAPSHOTS=1 and reviewed like code). Every fix must leave
// SQL that PostgreSQL parses, and the finding it fixes must be gone when the result is linted again.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_RULES } from '../server/src/rules';
import { ROOT, applyFix, projectFor, ready } from './helpers';
import type { Project } from '../server/src/engine/project';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rules');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

before(ready);

function rel(p: string, base: string): string { return path.relative(base, p).split(path.sep).join('/') || path.basename(p); }

function snapshot(p: Project, id: string, base: string): string {
  const lines: string[] = [];
  const results = p.analyze();
  for (const [file, findings] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
    for (const f of findings.filter((x) => x.rule === id)) {
      const r = p.getFile(file)!.lines.range(f.start, f.end);
      lines.push(`${rel(file, base)}:${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${f.severity} ${f.rule}: ${f.message}`);
      for (const [i, fix] of (f.fixes ?? []).entries()) {
        lines.push(`  fix ${i + 1}: ${fix.title}`);
        for (const [path2, text] of applyFix(p, f, i)) {
          lines.push(`  --- ${rel(path2, base)}`);
          for (const l of text.split('\n')) lines.push(`  | ${l}`);
        }
      }
    }
  }
  return lines.join('\n') + '\n';
}

for (const rule of ALL_RULES) {
  const id = rule.meta.id;
  const dir = path.join(FIXTURES, id);
  test(`${id}: has fixtures`, () => {
    assert.ok(fs.existsSync(dir), `missing fixture folder test/fixtures/rules/${id}`);
    const names = fs.readdirSync(dir);
    assert.ok(names.some((n) => n.startsWith('valid_')), `${id}: no valid_* fixture`);
    assert.ok(names.some((n) => n.startsWith('invalid_')), `${id}: no invalid_* fixture`);
  });
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.endsWith('.snap')) continue;
    const fixture = path.join(dir, name);
    const base = fs.statSync(fixture).isDirectory() ? fixture : dir;
    if (name.startsWith('valid_')) {
      test(`${id}: ${name} has no finding`, () => {
        const p = projectFor(fixture);
        const hits = [...p.analyze().values()].flat().filter((f) => f.rule === id);
        assert.deepEqual(hits.map((h) => h.message), [], `${name} should not trigger ${id}`);
        assert.deepEqual(p.internalErrors, []);
      });
    } else if (name.startsWith('invalid_')) {
      test(`${id}: ${name} matches its snapshot; fixes parse and resolve`, () => {
        const p = projectFor(fixture);
        const hits = [...p.analyze().values()].flat().filter((f) => f.rule === id);
        assert.ok(hits.length > 0, `${name} should trigger ${id}`);
        assert.deepEqual(p.internalErrors, []);
        const snapFile = fixture.replace(/\.sql$/, '') + '.snap';
        const actual = snapshot(p, id, base);
        if (UPDATE || !fs.existsSync(snapFile)) fs.writeFileSync(snapFile, actual);
        else assert.equal(actual, fs.readFileSync(snapFile, 'utf8'), `${name}: snapshot differs (UPDATE_SNAPSHOTS=1 to accept)`);
        // every fix leaves parseable SQL and removes the finding it fixes
        for (const f of hits) {
          for (const [i, fix] of (f.fixes ?? []).entries()) {
            const fixed = projectFor(fixture);
            // the project holds SQL files only (a Diesel metadata.toml or a Flyway .conf is not linted)
            for (const [file, text] of applyFix(p, f, i)) if (file.endsWith('.sql')) fixed.setFile(file, text);
            const after = [...fixed.analyze().values()].flat();
            const syntax = after.filter((x) => x.rule === 'syntax-error');
            assert.deepEqual(syntax.map((s) => s.message), [], `${name}: fix "${fix.title}" leaves SQL that does not parse`);
            const sameBefore = hits.filter((x) => x.path === f.path && x.message === f.message).length;
            const sameAfter = after.filter((x) => x.rule === id && x.path === f.path && x.message === f.message).length;
            assert.ok(sameAfter < sameBefore, `${name}: fix "${fix.title}" did not resolve: ${f.message}`);
          }
        }
      });
    }
  }
}
