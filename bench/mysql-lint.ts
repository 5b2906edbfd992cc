// MySQL lint speed: the shared rules on MySQL files (dialects/mysql/parse.ts lowering + rules +
// replay), on every project of ../shared/corpus/mysql read as MySQL. Reported per statement: the
// lowering alone, cold (first reading of each text in the process: libpg-query parses the lowered
// text) and warm (cached per text, as the editor re-reads unchanged statements), and a whole lint
// (new Project, analyze) warm: best and median of N passes.
// Usage: node --import tsx bench/mysql-lint.ts [--runs N]. Prints one JSON line last.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initParser } from '../server/src/sql/parse';
import { parseMySqlStatement } from '../server/src/dialects/mysql/parse';
import { splitMySql } from '../server/src/dialects/mysql/split';
import { Project } from '../server/src/engine/project';
import { defaultConfig, mergeConfig } from '../server/src/config';
import { listSql } from '../test/helpers';

const ROOT = path.resolve(__dirname, '..');
const MY = path.resolve(ROOT, '..', 'shared', 'corpus', 'mysql');
const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 5);

async function main(): Promise<void> {
  if (!fs.existsSync(MY)) { console.log(JSON.stringify({ skipped: `corpus not found at ${MY}` })); return; }
  await initParser();
  const projects = fs.readdirSync(MY).filter((d) => fs.statSync(path.join(MY, d)).isDirectory())
    .map((d) => ({ dir: path.join(MY, d), files: listSql(path.join(MY, d)).map((f) => [f, fs.readFileSync(f, 'utf8')] as const) }));
  const texts = projects.flatMap((p) => p.files.flatMap(([, t]) => splitMySql(t).statements.map((s) => s.text)));
  const count = texts.length;
  let t = performance.now();
  let lowered = 0;
  for (const s of texts) if (parseMySqlStatement(s).node) lowered++;
  const lowerCold = performance.now() - t;
  t = performance.now();
  for (const s of texts) parseMySqlStatement(s);
  const lowerWarm = performance.now() - t;
  const lint = (): number => {
    const start = performance.now();
    for (const p of projects) {
      const pr = new Project(mergeConfig(defaultConfig(), { dialect: 'mysql' }, path.join(p.dir, '.dbe.json')), (f) => path.relative(p.dir, f));
      for (const [f, text] of p.files) pr.setFile(f, text);
      pr.analyze();
    }
    return performance.now() - start;
  };
  const first = lint();
  const warm = Array.from({ length: RUNS }, lint).sort((a, b) => a - b);
  const us = (ms: number) => +((ms * 1000) / count).toFixed(1);
  const result = {
    statements: count, lowered, projects: projects.length, runs: RUNS,
    lowering: { coldMs: +lowerCold.toFixed(1), warmMs: +lowerWarm.toFixed(1), perStatementUs: { cold: us(lowerCold), warm: us(lowerWarm) } },
    lint: { firstMs: +first.toFixed(1), warmBestMs: +warm[0].toFixed(1), warmMedianMs: +warm[warm.length >> 1].toFixed(1), perStatementUs: { first: us(first), warmBest: us(warm[0]), warmMedian: us(warm[warm.length >> 1]) } },
  };
  console.log(`MySQL lint: ${count} statements (${lowered} lowered); lowering ${result.lowering.perStatementUs.cold} µs a statement cold, ${result.lowering.perStatementUs.warm} µs warm; whole lint warm median ${result.lint.warmMedianMs} ms (${result.lint.perStatementUs.warmMedian} µs a statement)`);
  console.log(JSON.stringify(result));
}

void main();
