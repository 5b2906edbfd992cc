// The live MySQL schema text on real schemas: every ../shared/corpus/mysql file that MariaDB
// accepts and that creates tables is loaded into its own database of a throwaway MariaDB; dbe reads
// that database (live/mysql/catalog.ts) and the text is replayed into an empty database; every
// table's SHOW CREATE TABLE and every view's definition must come out the same.
//   node --import tsx --test test/slow/live-mysql-catalog.test.ts
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MySqlSession } from '../../server/src/live/mysql/connect';
import { readMySqlCatalog } from '../../server/src/live/mysql/catalog';
import { missingServer, startServer, type TestServer } from '../mariadb/start-server';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'mysql');
const skip = !fs.existsSync(path.join(CORPUS, 'valid.tsv')) ? `corpus not found at ${CORPUS}` : missingServer();

describe('live MySQL schema text on the corpus', { skip }, () => {
  let srv: TestServer;
  // throwaway data: no flush at each commit (the loads are thousands of small DDL transactions)
  before(async () => { srv = await startServer(['--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0']); });
  after(async () => { await srv?.stop(); });

  it('replays every loadable corpus schema to the same tables and views', async () => {
    const files = fs.readFileSync(path.join(CORPUS, 'valid.tsv'), 'utf8').split('\n').map((l) => l.split('\t')).filter((x) => x[1] === 'ok').map((x) => x[0])
      .filter((f) => /create\s+table/i.test(fs.readFileSync(path.join(CORPUS, f), 'utf8')));
    let loaded = 0, same = 0, tables = 0, views = 0;
    const differ: string[] = [];
    for (const [i, f] of files.entries()) {
      let db = `c${i}`;
      const copy = `r${i}`;
      const dbs = () => new Set(srv.sql('SHOW DATABASES').trim().split('\n'));
      srv.sql(`CREATE DATABASE ${db}; CREATE DATABASE ${copy};`);
      const had = dbs();
      const made: string[] = [];
      try {
        try { srv.sql(fs.readFileSync(path.join(CORPUS, f), 'utf8'), db); } catch { continue; } // needs an earlier file of its project
        // a file that creates and uses its own database (sakila, employees): read that one
        made.push(...[...dbs()].filter((d) => !had.has(d)));
        if (made.length === 1 && !srv.sql(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' LIMIT 1`).trim()) db = made[0];
        const names = srv.sql(`SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' ORDER BY 1`).trim();
        if (!names) continue;
        loaded++;
        const s = await MySqlSession.open({ url: srv.url(db), statementTimeoutMs: 30000 });
        let snap;
        try { snap = await readMySqlCatalog(s); } finally { await s.close(); }
        try { srv.sql(snap.ddl, copy); } catch (e: any) { differ.push(`${f}: the text does not replay: ${String(e.message).split('\n')[0]}`); continue; }
        const rows = names.split('\n').map((l) => l.split('\t'));
        let ok = true;
        for (const [name, type] of rows) {
          if (type === 'VIEW') {
            views++;
            const def = (d: string) => srv.sql(`SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${d}' AND TABLE_NAME = '${name}'`).replaceAll(`\`${d}\`.`, '');
            if (def(db) !== def(copy)) { ok = false; differ.push(`${f}: view ${name} differs`); }
            continue;
          }
          tables++;
          const show = (d: string) => srv.sql(`SHOW CREATE TABLE \`${name.replace(/`/g, '``')}\``, d).replace(/ AUTO_INCREMENT=\d+/, '');
          if (show(db) !== show(copy)) { ok = false; differ.push(`${f}: table ${name} differs`); }
        }
        if (ok) same++;
      } finally {
        srv.sql(`DROP DATABASE IF EXISTS c${i}; DROP DATABASE ${copy};${made.map((d) => ` DROP DATABASE IF EXISTS \`${d}\`;`).join('')}`);
      }
    }
    console.log(`# ${files.length} corpus files create tables; ${loaded} load alone into MariaDB; ${same} round-trip exactly (${tables} tables, ${views} views)`);
    for (const d of differ.slice(0, 20)) console.log(`#   ${d}`);
    assert.ok(loaded > 20, `only ${loaded} files loaded`);
    assert.deepEqual(differ, []);
  });
});
