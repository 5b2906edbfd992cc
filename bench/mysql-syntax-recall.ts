// Recall of the MySQL syntax check, measured against the real server: typical typos are injected into
// the corpus statements MariaDB accepts (a comma dropped between column definitions, a misspelled
// keyword, a closing parenthesis dropped, a closing quote dropped); MariaDB 10.11 says which mutants
// are syntax errors (PREPARE parses without running: error 1064 or not) and where ("near '…'"); the
// share of those our check catches, and at the server's position, is reported.
//
//   node --import tsx bench/mysql-syntax-recall.ts [--flavor mariadb|mysql] [--limit N] [--kind comma|keyword|paren|quote]
//
// Needs the corpus (../shared/corpus/mysql) and `mariadb-install-db`, `mariadbd` and `mariadb` on the
// PATH: a throwaway server is started in a temporary directory (own socket, no TCP) and stopped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { splitMySql } from '../server/src/dialects/mysql/split';
import { lex, type MyToken } from '../server/src/dialects/mysql/lex';
import { checkMySqlGrammar } from '../server/src/dialects/mysql/grammar';

const CORPUS = path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'mysql');
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const flavor = (arg('--flavor') ?? 'mariadb') as 'mysql' | 'mariadb';
const limit = Number(arg('--limit') ?? 100000);

type Kind = 'comma' | 'keyword' | 'paren' | 'quote';
interface Mutant { kind: Kind; text: string; at: number; file: string }

const TYPOS: Record<string, string> = { SELECT: 'SELCT', FROM: 'FORM', WHERE: 'WHRE', TABLE: 'TABEL', INSERT: 'INSRT', UPDATE: 'UPDTE', VALUES: 'VALUSE', CREATE: 'CRATE', ALTER: 'ALTR', INTO: 'INOT', NULL: 'NUL', DEFAULT: 'DEFALT', PRIMARY: 'PRIMRY', REFERENCES: 'REFERNCES', ORDER: 'ODER' };

function mutants(text: string, file: string): Mutant[] {
  const { tokens } = lex(text);
  const out: Mutant[] = [];
  const put = (kind: Kind, from: number, to: number, by: string) => out.push({ kind, text: text.slice(0, from) + by + text.slice(to), at: from, file });
  const isOp = (t: MyToken | undefined, v: string) => t?.kind === 'op' && t.value === v;
  // a comma between two column definitions of CREATE TABLE (depth 1, followed by a name and a type)
  if (tokens[0]?.upper === 'CREATE' && tokens.some((t) => t.upper === 'TABLE')) {
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (isOp(t, '(')) depth++;
      else if (isOp(t, ')')) depth--;
      else if (depth === 1 && isOp(t, ',') && (tokens[i + 1]?.kind === 'quoted' || tokens[i + 1]?.kind === 'word') && tokens[i + 2]?.kind === 'word'
        && !['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'CONSTRAINT', 'FOREIGN', 'FULLTEXT', 'SPATIAL', 'CHECK'].includes(tokens[i + 1].upper)) {
        put('comma', t.start, t.end, ' ');
        break;
      }
    }
  }
  // a misspelled keyword (the first one of the list met)
  for (const t of tokens) {
    if (t.kind === 'word' && TYPOS[t.upper]) { put('keyword', t.start, t.end, TYPOS[t.upper]); break; }
  }
  // a closing parenthesis dropped (the first one)
  const close = tokens.find((t) => isOp(t, ')'));
  if (close) put('paren', close.start, close.end, ' ');
  // a string's closing quote dropped (the first '…' string)
  const str = tokens.find((t) => t.kind === 'string' && text[t.start] === "'" && text[t.end - 1] === "'" && t.end - t.start >= 2);
  if (str) put('quote', str.end - 1, str.end, ' ');
  return out;
}

function startServer(): { sock: string; stop: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-recall-'));
  const data = path.join(dir, 'data'), sock = path.join(dir, 'sock');
  const inst = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr.split('\n')[0]}`);
  const user = os.userInfo().username;
  const srv = spawn('mariadbd', ['--no-defaults', `--user=${user}`, `--datadir=${data}`, `--socket=${sock}`, '--skip-networking', `--pid-file=${path.join(dir, 'pid')}`, `--log-error=${path.join(dir, 'err.log')}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !fs.existsSync(sock); i++) spawnSync('sleep', ['0.1']);
  return { sock, stop: () => { srv.kill('SIGTERM'); spawnSync('sleep', ['1']); fs.rmSync(dir, { recursive: true, force: true }); } };
}

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\0/g, '\\0')}'`;

/** MariaDB's verdict per text: undefined (parses) or the offset where its "near '…'" starts. */
function serverVerdicts(sock: string, texts: string[]): (number | undefined)[] {
  const script = ['CREATE DATABASE IF NOT EXISTS recall;', 'USE recall;', ...texts.map((t) => `PREPARE s FROM ${sqlString(t)};`)].join('\n') + '\n';
  const r = spawnSync('mariadb', ['--no-defaults', '-S', sock, '-u', 'root', '--force'], { input: script, encoding: 'utf8', maxBuffer: 1 << 30 });
  const out: (number | undefined)[] = texts.map(() => undefined);
  const re = /ERROR 1064 \(42000\) at line (\d+): [\s\S]*? near '([\s\S]*?)' at line \d+(?=\n--------------\n|\n*$)/g;
  for (const m of (r.stdout + r.stderr).matchAll(re)) {
    const i = Number(m[1]) - 3;
    if (i < 0 || i >= texts.length) continue;
    const t = texts[i];
    let near = m[2];
    if (!t.includes(near) && near.endsWith('...')) near = near.slice(0, -3); // MariaDB marks a cut "near" text so
    out[i] = near === '' ? t.length : t.indexOf(near) >= 0 ? t.indexOf(near) : -1;
  }
  return out;
}

function main(): void {
  if (!fs.existsSync(path.join(CORPUS, 'valid.tsv'))) { console.log('corpus absent: nothing measured'); return; }
  const rows = fs.readFileSync(path.join(CORPUS, 'valid.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const originals: { text: string; file: string }[] = [];
  for (const [f, v] of rows) {
    if (v !== 'ok') continue;
    for (const s of splitMySql(fs.readFileSync(path.join(CORPUS, f), 'utf8')).statements) if (s.text.length < 20000) originals.push({ text: s.text, file: f });
  }
  const server = startServer();
  try {
    // baseline: statements both the server (PREPARE) and our check accept
    const base = serverVerdicts(server.sock, originals.map((o) => o.text));
    const kept = originals.filter((o, i) => base[i] === undefined && checkMySqlGrammar(o.text, flavor) === null).slice(0, limit);
    const only = arg('--kind');
    const all = kept.flatMap((o) => mutants(o.text, o.file)).filter((m) => !only || m.kind === only);
    const truth = serverVerdicts(server.sock, all.map((m) => m.text));
    const by = new Map<Kind, { errors: number; caught: number; atServer: number; near: number; accepted: number; flagged: number }>();
    const examples: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const m = all[i];
      const s = by.get(m.kind) ?? { errors: 0, caught: 0, atServer: 0, near: 0, accepted: 0, flagged: 0 };
      by.set(m.kind, s);
      const ours = checkMySqlGrammar(m.text, flavor);
      const srv = truth[i];
      if (srv === undefined) {
        s.accepted++;
        if (ours) { s.flagged++; examples.push(`flagged, but the server accepts (${m.kind}): ${ours.message} in ${JSON.stringify(m.text.slice(Math.max(0, ours.offset - 60), ours.offset + 40))}`); }
        continue;
      }
      s.errors++;
      if (!ours) { if (examples.length < 8) examples.push(`missed ${m.kind}: ${JSON.stringify(m.text.slice(Math.max(0, m.at - 40), m.at + 40))}`); continue; }
      s.caught++;
      if (srv >= 0 && ours.offset === srv) s.atServer++;
      // "near": the same token as the server's, or the token just before it (ANTLR stops on the token
      // that cannot follow; MariaDB often names the next one)
      const toks = lex(m.text).tokens;
      const k = toks.findIndex((t) => t.start >= srv);
      const okStarts = new Set([srv, toks[k - 1]?.start, toks[k + 1]?.start].filter((x) => x !== undefined));
      if (srv >= 0 && okStarts.has(ours.offset)) s.near++;
      else if (process.env.DEBUG && examples.length < 30) examples.push(`${m.kind} ours ${ours.offset} ${JSON.stringify(m.text.slice(ours.offset, ours.offset + 25))} server ${srv} ${JSON.stringify(m.text.slice(srv, srv + 25))} | ${ours.message}`);
    }
    console.log(`flavor ${flavor}: ${kept.length} statements, ${all.length} mutants`);
    console.log('kind     server-errors  caught   at-server-position  within-one-token   (accepted by server: n, flagged by us)');
    let te = 0, tc = 0, ta = 0, tn = 0;
    for (const [k, s] of by) {
      te += s.errors; tc += s.caught; ta += s.atServer; tn += s.near;
      console.log(`${k.padEnd(8)} ${String(s.errors).padStart(13)}  ${pct(s.caught, s.errors).padStart(6)}   ${pct(s.atServer, s.caught).padStart(17)}  ${pct(s.near, s.caught).padStart(16)}   (${s.accepted}, ${s.flagged})`);
    }
    console.log(`${'all'.padEnd(8)} ${String(te).padStart(13)}  ${pct(tc, te).padStart(6)}   ${pct(ta, tc).padStart(17)}  ${pct(tn, tc).padStart(16)}`);
    for (const e of examples) console.log(e);
  } finally {
    server.stop();
  }
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');

main();
