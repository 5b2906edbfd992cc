// The engine on real SQL (../shared/corpus): no syntax errors on real projects, no exception or
// internal error, and robustness on fuzzed text. PostgreSQL's regression suite (half a minute) is in
// test/slow/corpus-regress.test.ts. Without the corpus every test is skipped (and counted as skipped).
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import type { Finding } from '../server/src/model';
import { initParser } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const present = fs.existsSync(CORPUS);
const skip = present ? false : `corpus not found at ${CORPUS}`;
if (!present) console.log(`# corpus tests skipped: ${CORPUS} is absent`);

const PROJECTS = ['lemmy', 'kratos', 'pagila', 'supabase-auth'];

function filesOf(folder: string): string[] {
  const dir = path.join(CORPUS, folder);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(dir, f));
}

/** A project whose relPath is the file's base name (corpus names are repository paths with / as _). */
function load(files: string[]): Project {
  const p = new Project(defaultConfig(), (f) => path.basename(f));
  for (const f of files) p.setFile(f, fs.readFileSync(f, 'utf8'));
  return p;
}

function describeErrors(p: Project): string {
  return p.internalErrors.slice(0, 5).map((e) => `${e.rule} on ${path.basename(e.path)}: ${e.message.split('\n')[0]}`).join('\n');
}

before(async () => { if (present) await initParser(); });

describe('real projects', () => {
  for (const name of PROJECTS) {
    test(`${name}: no syntax-error findings, no internal error`, { skip }, () => {
      const p = load(filesOf(name));
      const results = p.analyze();
      assert.equal(results.size, filesOf(name).length, 'every file analysed');
      const syntax: string[] = [];
      for (const [file, list] of results) {
        for (const f of list) if (f.rule === 'syntax-error') syntax.push(`${path.basename(file)}: ${f.message}`);
      }
      assert.deepEqual(syntax, []);
      assert.equal(p.internalErrors.length, 0, describeErrors(p));
    });
  }
});


/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz', () => {
  test('200 deterministic pseudo-random inputs: no exception, ranges within the text', { skip }, () => {
    const rnd = prng(20261125);
    const int = (n: number) => Math.floor(rnd() * n);
    const pick = <T>(a: T[]): T => a[int(a.length)];
    // Seed statements from every corpus folder.
    const seeds: string[] = [];
    for (const folder of [...PROJECTS, 'postgres-regress']) {
      const fs2 = filesOf(folder);
      for (let i = 0; i < 12; i++) {
        const text = fs.readFileSync(pick(fs2), 'utf8');
        for (const s of splitStatements(text).statements.slice(0, 40)) seeds.push(s.text);
      }
    }
    const breakers = ["'", '"', '$$', '$tag$', '/*', '*/', '--', 'E\'\\', '(', ')', ';', '{{ .x }}', '\\copy', ':var', 'BEGIN ATOMIC', 'COPY t FROM stdin;\n', '\\.\n', '\u0000', '\uFEFF', '😀', '\r\n', 'é'];
    const generators: Array<() => string> = [
      // random bytes (decoded as UTF-8, invalid sequences and all)
      () => Buffer.from(Array.from({ length: int(600) }, () => int(256))).toString('utf8'),
      // random printable SQL-ish characters
      () => Array.from({ length: int(400) }, () => pick([...'abcdefghijklmnopqrstuvwxyz_ (),;\'"$*/-\n\t:=<>.0123456789éß😀'])).join(''),
      // truncation of a real statement
      () => { const s = pick(seeds); return s.slice(0, int(s.length + 1)); },
      // splice of two statements
      () => { const a = pick(seeds), b = pick(seeds); return a.slice(0, int(a.length + 1)) + b.slice(int(b.length + 1)); },
      // real statements with breakers inserted
      () => {
        let s = Array.from({ length: 1 + int(4) }, () => pick(seeds)).join(';\n');
        for (let k = 0, n = 1 + int(4); k < n; k++) { const at = int(s.length + 1); s = s.slice(0, at) + pick(breakers) + s.slice(at); }
        return s;
      },
      // unbalanced constructs
      () => pick(["SELECT 'abc", 'SELECT $$ abc', 'SELECT $a$ x $b$', '/* /* */ SELECT 1', 'SELECT "x', 'CREATE FUNCTION f() RETURNS int AS $$ BEGIN', 'SELECT 1; /*', "COPY t FROM stdin;\n1\t2\n"]) + pick(seeds).slice(0, int(200)),
    ];
    let findings = 0;
    for (let i = 0; i < 200; i++) {
      const text = generators[i % generators.length]();
      const name = `/fuzz/${String(i).padStart(3, '0')}.sql`;
      let list: Finding[] = [];
      const p = new Project(defaultConfig(), (f) => path.basename(f));
      try {
        p.setFile(name, text);
        list = p.analyze().get(name) ?? [];
      } catch (e: any) {
        assert.fail(`input ${i} threw: ${e?.stack ?? e}\n--- input ---\n${JSON.stringify(text.slice(0, 300))}`);
      }
      assert.equal(p.internalErrors.length, 0, `input ${i}: ${describeErrors(p)}\n${JSON.stringify(text.slice(0, 300))}`);
      for (const f of list) {
        findings++;
        assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `input ${i}: ${f.rule} range ${f.start}..${f.end} outside 0..${text.length}`);
        for (const fx of f.fixes ?? []) for (const e of fx.edits) {
          assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length, `input ${i}: ${f.rule} fix edit ${e.start}..${e.end} outside the text`);
        }
      }
    }
    assert.ok(findings > 0, 'the fuzzed inputs produce findings (syntax errors at least)');
  });
});
