// `dbe lint --fix` over the whole corpus (../shared/corpus, PostgreSQL's regression suite included):
// each project is copied to a temporary folder and fixed by the built CLI, then two properties are
// checked. (1) No file parses worse: per file, no more statements with a syntax error than before,
// and no file left without a statement.
// (2) Every fix that was applied fixed its finding: a finding that offered a fix does not come back
// with the same rule at the same statement (same text), unless --fix said why it left it (a note
// naming the file and the rule, or the file as not rewritten). (3) No applied migration is edited
// (engine/placement.ts isAppliedMigration: every migration but the newest, in a project whose
// migrations follow a convention): it ran as written, and fixes write new migrations instead.
// Slow (minutes): `npm run test:fix-corpus`.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../server/src/config';
import { isAppliedMigration } from '../server/src/engine/placement';
import { Project } from '../server/src/engine/project';
import { initParser } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { LineIndex } from '../server/src/text';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const present = fs.existsSync(CORPUS);
const skip = present ? false : `corpus not found at ${CORPUS}`;
if (!present) console.log(`# fix-corpus test skipped: ${CORPUS} is absent`);

/** Every project of the corpus: top folders, and each folder of real/ and mysql/. */
function projects(): string[] {
  if (!present) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(CORPUS, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (e.name === 'real' || e.name === 'mysql') {
      for (const s of fs.readdirSync(path.join(CORPUS, e.name), { withFileTypes: true })) if (s.isDirectory()) out.push(`${e.name}/${s.name}`);
    } else out.push(e.name);
  }
  return out.sort();
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-fix-corpus-'));

function dbe(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 20 * 60_000,
    env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Diag { rule: string; range: { start: { line: number; character: number } }; fixes: unknown[] }
function report(cwd: string, extra: string[] = []): { files: Map<string, Diag[]>; stderr: string } {
  const r = dbe(['lint', '.', '--format', 'json', '--fail-on', 'none', '--no-cache', ...extra], cwd);
  assert.equal(r.code, 0, `dbe exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  const j = JSON.parse(r.stdout);
  return { files: new Map(j.files.map((f: any) => [f.path, f.diagnostics])), stderr: r.stderr };
}

function copyWritable(src: string, dst: string): void {
  fs.cpSync(src, dst, { recursive: true });
  const walk = (d: string) => {
    fs.chmodSync(d, 0o755);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.isFile()) fs.chmodSync(p, 0o644);
    }
  };
  walk(dst);
}

/** "rule\0statement text" of each finding, as a multiset. */
function keys(text: string, diags: Diag[], which: (d: Diag) => boolean): Map<string, number> {
  const lines = new LineIndex(text);
  const stmts = splitStatements(text).statements;
  const out = new Map<string, number>();
  for (const d of diags) {
    if (!which(d)) continue;
    const at = lines.offset(d.range.start);
    const s = stmts.find((x) => x.start <= at && at < Math.max(x.end, x.start + 1));
    const k = `${d.rule}\0${s ? text.slice(s.start, s.end) : `@${at}`}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

before(async () => { await initParser(); });

describe('dbe lint --fix on the corpus', { skip }, () => {
  for (const name of projects()) {
    test(`${name}: no file parses worse, applied fixes fix their findings, applied migrations stay as they are`, () => {
      const dir = path.join(TMP, name.replace(/\//g, '+'));
      copyWritable(path.join(CORPUS, name), dir);
      const texts = new Map<string, string>();
      const before = report(dir);
      for (const f of before.files.keys()) texts.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
      // the files a fix must not edit, as the engine judges them before --fix
      const project = new Project(defaultConfig(), (k) => path.relative(dir, k).split(path.sep).join('/'));
      for (const [f, t] of texts) project.setFile(path.join(dir, f), t);
      const order = project.order();
      const frozen = [...texts.keys()].filter((f) => { const sf = project.getFile(path.join(dir, f)); return !!sf && isAppliedMigration(order, sf); });
      const started = performance.now();
      const fixed = report(dir, ['--fix']);
      const seconds = (performance.now() - started) / 1000;
      const after = report(dir);
      const applied = /applied (\d+) fix/.exec(fixed.stderr)?.[1] ?? '?';
      console.log(`# ${name}: ${before.files.size} files, ${applied} fixes applied, --fix took ${seconds.toFixed(1)} s`);

      // (1) syntax errors per file
      const worse: string[] = [];
      for (const [f, diags] of after.files) {
        const was = (before.files.get(f) ?? []).filter((d) => d.rule === 'syntax-error').length;
        const now = diags.filter((d) => d.rule === 'syntax-error').length;
        if (now > was) worse.push(`${f}: ${was} -> ${now} syntax errors`);
        // an emptied file (a migration whose only statement was deleted) parses, but is not what it was
        const stmts = (t: string) => splitStatements(t).statements.length;
        if (stmts(texts.get(f) ?? '') > 0 && stmts(fs.readFileSync(path.join(dir, f), 'utf8')) === 0) worse.push(`${f}: emptied`);
      }
      assert.deepEqual(worse, [], 'files that parse worse (or were emptied) after --fix');

      // (2) findings that offered a fix do not come back at the same statement: one that still offers
      // its fix was not reached (counted in the "N fixes left for the next run" or "N fixes not
      // applied" note); one that no
      // longer does needs a note naming its file and rule (fix dropped, or file not rewritten)
      const notes = fixed.stderr.split('\n');
      const left = Number(/^dbe: (\d+) fix(?:es)? (?:left for the next run|not applied:)/m.exec(fixed.stderr)?.[1] ?? 0);
      const excused = (f: string, rule: string) => notes.some((n) => n.startsWith(`dbe: ${f}: not rewritten`) || n.startsWith('dbe: --fix wrote no file')) ? Infinity
        : notes.filter((n) => n.startsWith(`dbe: ${f}:`) && n.includes(` ${rule} fix not applied`)).length;
      const back: string[] = [];
      let unreached = 0;
      for (const [f, diags] of before.files) {
        const was = keys(texts.get(f)!, diags, (d) => d.fixes.length > 0);
        if (!was.size) continue;
        const text = fs.readFileSync(path.join(dir, f), 'utf8');
        const now = keys(text, after.files.get(f) ?? [], () => true);
        const nowFixable = keys(text, after.files.get(f) ?? [], (d) => d.fixes.length > 0);
        const perRule = new Map<string, number>();
        for (const [k, n] of was) {
          const again = Math.min(n, now.get(k) ?? 0);
          const stillFixable = Math.min(again, nowFixable.get(k) ?? 0);
          unreached += stillFixable;
          const rule = k.split('\0')[0];
          if (again > stillFixable) perRule.set(rule, (perRule.get(rule) ?? 0) + again - stillFixable);
        }
        for (const [rule, n] of perRule) if (n > excused(f, rule)) back.push(`${f}: ${n} ${rule} finding(s) still at the same statement, without their fix and without a note`);
      }
      assert.ok(unreached <= left, `${unreached} findings still offer the fix they offered before, but --fix said ${left} were left`);
      assert.deepEqual(back, [], 'fixed findings that came back');

      // (3) applied migrations are byte-identical
      const edited = frozen.filter((f) => fs.readFileSync(path.join(dir, f), 'utf8') !== texts.get(f));
      console.log(`# ${name}: ${frozen.length} applied migrations, ${edited.length} edited`);
      assert.deepEqual(edited, [], 'applied migrations edited by --fix');
    });
  }
});
