// What does --analyze's guard (server/src/live/guard.ts) cost, and what does it refuse on a real
// schema? Loads pagila into a throwaway PostgreSQL 15 (test/pg15.ts), then for each query: the
// guard's verdict and its time (EXPLAIN (VERBOSE) plus the catalog reads, median of 10). Needs
// Debian's postgresql-15; not part of `npm run bench`. (pagila's uuidv7() and VIRTUAL columns are
// PostgreSQL 18: replaced in memory by gen_random_uuid() and STORED.)
//   node --import tsx bench/live-guard.ts [../shared/corpus]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { LiveSession } from '../server/src/live/connect';
import { analyzeGuard } from '../server/src/live/guard';
import { initParser, parseStatement } from '../server/src/sql/parse';
import { kindOf } from '../server/src/sql/ast';
import { splitStatements } from '../server/src/sql/split';
import { ensurePostgres15, startCluster, SUPERPASS, SUPERUSER } from '../test/pg15';

const corpus = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'shared', 'corpus'));
const QUERIES = [
  'SELECT * FROM actor WHERE actor_id = 1',
  'SELECT f.title, c.name FROM film f JOIN film_category fc USING (film_id) JOIN category c USING (category_id) WHERE f.rating = \'PG\' ORDER BY 1 LIMIT 10',
  'SELECT * FROM customer_list',
  'SELECT * FROM sales_by_store',
  'SELECT * FROM film_list',
  'SELECT * FROM actor_info',
  "SELECT title FROM film WHERE fulltext @@ to_tsquery('dog')",
  'SELECT get_customer_balance(1, now())',
  "SELECT count(*), date_trunc('month', payment_date) FROM payment GROUP BY 2",
  'SELECT * FROM rewards_report(1, 1.0)',
];

async function main(): Promise<void> {
  const why = ensurePostgres15();
  if (why) { console.error(why); process.exit(1); }
  await initParser();
  const cluster = await startCluster();
  try {
    const admin = new Client({ host: '127.0.0.1', port: cluster.port, user: SUPERUSER, password: SUPERPASS, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE pagila');
    await admin.end();
    const load = new Client({ host: '127.0.0.1', port: cluster.port, user: SUPERUSER, password: SUPERPASS, database: 'pagila' });
    await load.connect();
    // PostgreSQL 18 spellings made 15's, in memory: uuidv7() and VIRTUAL generated columns
    const ddl = fs.readFileSync(path.join(corpus, 'pagila', 'pagila-schema.sql'), 'utf8').replace(/uuidv7\(\)/g, 'gen_random_uuid()').replace(/\) VIRTUAL/g, ') STORED');
    for (const st of splitStatements(ddl).statements) {
      if (st.text.trim()) await load.query(st.text).catch(() => load.query('ROLLBACK').catch(() => undefined));
    }
    await load.end();
    const s = await LiveSession.open({ url: `postgres://${SUPERUSER}@127.0.0.1:${cluster.port}/pagila`, password: SUPERPASS, statementTimeoutMs: 30_000 });
    try {
      for (const q of QUERIES) {
        const p = parseStatement(q);
        const node = p.node![kindOf(p.node)!];
        const times: number[] = [];
        let verdict: string | undefined = 'error';
        for (let i = 0; i < 10; i++) {
          await s.query('BEGIN TRANSACTION READ ONLY');
          const t = performance.now();
          const plan = await s.tryQuery('EXPLAIN (VERBOSE, FORMAT JSON) ' + q);
          verdict = plan.ok ? await analyzeGuard(s, node, plan.result.rows[0]['QUERY PLAN']) : `EXPLAIN failed: ${plan.message}`;
          times.push(performance.now() - t);
          await s.query('ROLLBACK');
        }
        times.sort((a, b) => a - b);
        const short = verdict ? verdict.replace(/^--analyze runs the query, and /, '').replace(/: dbe refuses to run it.*$/, '') : 'runs';
        console.log(`${times[5].toFixed(1).padStart(6)} ms  ${q.slice(0, 60).padEnd(60)}  ${short}`);
      }
    } finally { await s.close(); }
  } finally { cluster.stop(); }
}

main().catch((e) => { console.error(e); process.exit(1); });
