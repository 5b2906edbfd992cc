// Cost of unknown-relation and unknown-column (docs/decisions/0021-unknown-names.md): Project.analyze()
// of a corpus project with every rule off, then with only these two on (median of N), and the
// editor's path: one keystroke in a query file, re-judging only the edited statement.
// Usage: node --import tsx bench/semantic.ts [project dir, default ../shared/corpus/lemmy] [--runs N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { ALL_RULES } from '../server/src/rules';
import { initParser } from '../server/src/sql/parse';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Math.max(1, Number(args[runsAt + 1])) : 9;
const dir = path.resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? path.join(__dirname, '..', '..', 'shared', 'corpus', 'lemmy'));
const MINE = new Set(['unknown-relation', 'unknown-column']);

function sqlFiles(d: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...sqlFiles(p));
    else if (e.isFile() && e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

function project(on: boolean): Project {
  const cfg = defaultConfig();
  for (const r of ALL_RULES) if (!on || !MINE.has(r.meta.id)) cfg.rules[r.meta.id] = 'off';
  const p = new Project(cfg, (f) => path.relative(dir, f).split(path.sep).join('/'));
  for (const f of sqlFiles(dir)) p.setFile(f, fs.readFileSync(f, 'utf8'));
  return p;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function time(fn: () => void): number { const t = performance.now(); fn(); return performance.now() - t; }

(async () => {
  if (!fs.existsSync(dir)) { console.log(JSON.stringify({ skipped: `${dir} not found` })); return; }
  await initParser();
  const off = project(false), on = project(true);
  off.analyze(); on.analyze();
  const full = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < RUNS; i++) { full.off.push(time(() => off.analyze())); full.on.push(time(() => on.analyze())); }
  // a keystroke: a query appended to the last file of the replay order, then re-judged alone
  const last = on.order()[on.order().length - 1];
  const key = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const [p, list] of [[off, key.off], [on, key.on]] as const) {
      const text = `${last.text}\nSELECT t.id${i} FROM ${[...p.schema().tables.values()][0]?.name ?? 'x'} t;\n`;
      const f = p.setFile(last.path, text);
      const edited = f.statements[f.statements.length - 1];
      list.push(time(() => p.analyze([last.path], { only: (s) => s === edited })));
    }
  }
  const r = (x: number) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    project: path.basename(dir), files: on.size, runs: RUNS,
    analyzeMs: { rulesOff: r(median(full.off)), unknownNamesOnly: r(median(full.on)), added: r(median(full.on) - median(full.off)) },
    keystrokeMs: { rulesOff: r(median(key.off)), unknownNamesOnly: r(median(key.on)), added: r(median(key.on) - median(key.off)) },
  }));
})();
