// What does the agent's sandbox cost on examples/shop? The first call replays the migrations and
// fills the tables with generated rows (sandbox.rows, default 10,000 a table); every call after runs
// against that database: explain_query, compare_index (index created, measured, rolled back) and a
// validate (catalog snapshot, up, snapshot, down, snapshot, rolled back). Times per call (median of
// 5 for the warm ones) through runTool / AgentSandbox as `dbe ask` and `dbe mcp` call them. Run
// `npm run build` first (dist/sandbox-worker.js). Not part of `npm run bench`.
//   node --import tsx bench/agent-sandbox.ts [rows]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext } from '../server/src/agent/cli-context';
import { runTool } from '../server/src/agent/tools';

const rows = process.argv[2] ? Number(process.argv[2]) : undefined;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-agent-'));
  fs.cpSync(path.join(__dirname, '..', 'examples', 'shop'), dir, { recursive: true });
  if (rows !== undefined) fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ postgresVersion: 16, sandbox: { rows } }));
  const ctx = await cliToolContext({ root: dir, cwd: dir });
  const time = async (fn: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await fn(); return performance.now() - t; };
  const median = async (fn: () => Promise<unknown>, n = 5): Promise<number> => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) ms.push(await time(fn));
    return ms.sort((a, b) => a - b)[Math.floor(n / 2)];
  };
  const query = 'SELECT * FROM orders WHERE user_id = 42';
  try {
    let first = '';
    const cold = await time(async () => { first = (await runTool('explain_query', { sql: query }, ctx)).summary; });
    console.log(`first explain_query (start, replay, generated rows): ${cold.toFixed(0)} ms  [${first}]`);
    console.log(`warm explain_query: ${(await median(() => runTool('explain_query', { sql: query }, ctx))).toFixed(0)} ms`);
    let cmp = '';
    console.log(`warm compare_index: ${(await median(async () => { cmp = (await runTool('compare_index', { sql: query, index: 'CREATE INDEX orders_user_id_idx ON orders (user_id)' }, ctx)).summary; })).toFixed(0)} ms  [${cmp}]`);
    let val = '';
    console.log(`warm validate (index + column, down forgets the index): ${(await median(async () => {
      const v = await ctx.sandbox!.validate('CREATE INDEX orders_status2_idx ON orders (status); ALTER TABLE orders ADD COLUMN note text;', 'ALTER TABLE orders DROP COLUMN note;');
      val = v.differences.join('; ');
    })).toFixed(0)} ms  [${val}]`);
    console.log(`warm validate (ALTER COLUMN TYPE on the filled orders, restored): ${(await median(() => ctx.sandbox!.validate('ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(16, 2);', 'ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(14, 2);'))).toFixed(0)} ms`);
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
