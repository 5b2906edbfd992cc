// What does the live MySQL mode cost on a real schema? Loads sakila (../shared/corpus/mysql) into a
// throwaway MariaDB (test/mariadb/start-server.ts), then times, median of 10: opening a session
// (connect + read-only setup + checks), reading the schema as DDL, the health checks, EXPLAIN
// FORMAT=JSON of a join, and ANALYZE with its guard (stored functions, mysql.func, views). Needs
// Debian's mariadb-server; not part of `npm run bench`.
//   node --import tsx bench/live-mysql.ts [../shared/corpus]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MySqlSession } from '../server/src/live/mysql/connect';
import { readMySqlCatalog } from '../server/src/live/mysql/catalog';
import { mysqlServerChecks } from '../server/src/live/mysql/health';
import { explainMySql } from '../server/src/live/mysql/explain';
import { missingServer, startServer } from '../test/mariadb/start-server';

async function main(): Promise<void> {
  const corpus = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'shared', 'corpus'));
  const file = path.join(corpus, 'mysql', 'datacharmer+test_db', 'sakila_sakila-mv-schema.sql');
  const missing = missingServer() ?? (fs.existsSync(file) ? undefined : `${file} not found`);
  if (missing) { console.log(`skipped: ${missing}`); return; }
  const srv = await startServer(['--performance-schema=ON']);
  try {
    srv.sql(fs.readFileSync(file, 'utf8'));
    const url = srv.url('sakila');
    const median = async (label: string, fn: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) { const t = performance.now(); await fn(); times.push(performance.now() - t); }
      times.sort((a, b) => a - b);
      console.log(`${label.padEnd(48)} median ${times[5].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[9].toFixed(1)})`);
    };
    await median('open a read-only session (socket)', async () => (await MySqlSession.open({ url })).close());
    const s = await MySqlSession.open({ url });
    try {
      const snap = await readMySqlCatalog(s);
      console.log(`sakila: ${snap.counts.tables} tables, ${snap.counts.views} views, ${snap.counts.indexes} indexes, ${snap.ddl.length} characters of DDL`);
      await median('read the schema as DDL', () => readMySqlCatalog(s));
      await median('health checks (6)', () => mysqlServerChecks(s));
      const q = 'SELECT f.title, c.name FROM film f JOIN film_category fc ON fc.film_id = f.film_id JOIN category c ON c.category_id = fc.category_id WHERE f.rating = \'PG\' ORDER BY f.title LIMIT 10';
      await median('EXPLAIN FORMAT=JSON of a 3-table join', () => explainMySql(s, q, { analyze: false }));
      await median('ANALYZE of the same (guard + run)', () => explainMySql(s, q, { analyze: true }));
      await median('ANALYZE through a view (guard + run)', () => explainMySql(s, 'SELECT * FROM film_list LIMIT 5', { analyze: true }));
      // what the guard refuses on sakila, and in how long
      for (const sql of ['SELECT get_customer_balance(1, NOW())', 'SELECT * FROM customer_list WHERE ID = 1', 'SELECT * FROM sales_by_store']) {
        const t = performance.now();
        const why = await explainMySql(s, sql, { analyze: true }).then(() => 'runs', (e: Error) => `refused: ${e.message.slice(0, 110)}`);
        console.log(`ANALYZE ${sql}: ${why} (${(performance.now() - t).toFixed(1)} ms)`);
      }
    } finally { await s.close(); }
  } finally { await srv.stop(); }
}

void main();
