// MySQL DDL replay speed (dialects/mysql/ddl.ts + replay.ts): every statement of real MySQL projects
// (../shared/corpus/mysql: kratos's 303 up migrations in order, sakila, employees, apollo's two
// schemas) read and applied to a fresh schema; the first pass of the process (cold: modules just
// loaded, nothing compiled by the JIT yet) apart from the best and median of N warm passes, per
// statement. Splitting is measured apart (split.ts, the spine does it anyway).
// Usage: node --import tsx bench/mysql-replay.ts [--runs N]. Prints one JSON line last.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Schema } from '../server/src/schema';
import { applyMySqlStatement } from '../server/src/dialects/mysql/replay';
import { mysqlStatements } from '../test/mysql-replay-helpers';

const ROOT = path.resolve(__dirname, '..');
const MY = path.resolve(ROOT, '..', 'shared', 'corpus', 'mysql');
const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 9);

function main(): void {
  if (!fs.existsSync(MY)) { console.log(JSON.stringify({ skipped: `corpus not found at ${MY}` })); return; }
  const ts = (f: string) => /_(\d{14,})_/.exec(f)?.[1] ?? '';
  const kratos = fs.readdirSync(path.join(MY, 'ory+kratos')).filter((f) => f.endsWith('.mysql.up.sql')).sort((a, b) => ts(a).localeCompare(ts(b)) || a.localeCompare(b)).map((f) => path.join(MY, 'ory+kratos', f));
  const projects: Record<string, string[]> = {
    kratos,
    sakila: [path.join(MY, 'datacharmer+test_db', 'sakila_sakila-mv-schema.sql')],
    employees: [path.join(MY, 'datacharmer+test_db', 'employees.sql'), path.join(MY, 'datacharmer+test_db', 'objects.sql')],
    apollo: ['apolloconfigdb', 'apolloportaldb'].map((n) => path.join(MY, 'apolloconfig+apollo', `scripts_sql_profiles_mysql-default_${n}.sql`)),
  };
  const t0 = performance.now();
  const split = Object.fromEntries(Object.entries(projects).map(([name, files]) => [name, files.map((f) => mysqlStatements(fs.readFileSync(f, 'utf8'), f))]));
  const splitMs = performance.now() - t0;
  const count = Object.values(split).reduce((a, files) => a + files.reduce((b, s) => b + s.length, 0), 0);
  const pass = (): number => {
    const start = performance.now();
    for (const files of Object.values(split)) {
      const schema = new Schema();
      for (const stmts of files) for (const s of stmts) applyMySqlStatement(schema, s);
    }
    return performance.now() - start;
  };
  const cold = pass();
  const warm = Array.from({ length: RUNS }, pass).sort((a, b) => a - b);
  const us = (ms: number) => +((ms * 1000) / count).toFixed(1);
  const result = {
    statements: count, projects: Object.keys(projects), runs: RUNS,
    splitMs: +splitMs.toFixed(1),
    coldMs: +cold.toFixed(1), warmBestMs: +warm[0].toFixed(1), warmMedianMs: +warm[warm.length >> 1].toFixed(1),
    perStatementUs: { cold: us(cold), warmBest: us(warm[0]), warmMedian: us(warm[warm.length >> 1]) },
  };
  console.log(`MySQL replay: ${count} statements; cold ${result.coldMs} ms (${result.perStatementUs.cold} µs a statement), warm median ${result.warmMedianMs} ms (${result.perStatementUs.warmMedian} µs a statement)`);
  console.log(JSON.stringify(result));
}

main();
