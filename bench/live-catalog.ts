// How faithful is the catalog schema? Loads real projects' migrations into a throwaway PostgreSQL 15
// (test/pg15.ts), reads the catalog back with live/catalog.ts and compares it, table by table, with
// the schema the engine replays from the same migrations. Also times the catalog read and
// `dbe health`'s checks. Needs Debian's postgresql-15; not part of `npm run bench`.
//   node --import tsx bench/live-catalog.ts [../shared/corpus]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { Project } from '../server/src/engine/project';
import { catalogFile, catalogSchema, readCatalog } from '../server/src/live/catalog';
import { ALL_RULES } from '../server/src/rules';
import { LiveSession } from '../server/src/live/connect';
import { serverChecks } from '../server/src/live/health';
import type { Schema, Table } from '../server/src/schema';
import { initParser } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { ensurePostgres15, startCluster, SUPERPASS, SUPERUSER } from '../test/pg15';

const corpus = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'shared', 'corpus'));

interface Case { name: string; files: string[] }
const cases: Case[] = [
  { name: 'pagila', files: [path.join(corpus, 'pagila', 'pagila-schema.sql')] },
  { name: 'lemmy', files: fs.readdirSync(path.join(corpus, 'lemmy')).filter((f) => f.startsWith('migrations_') && f.endsWith('_up.sql')).sort().map((f) => path.join(corpus, 'lemmy', f)) },
];

function tableFacts(t: Table, s: Schema): string {
  return JSON.stringify({
    kind: t.kind, partitionOf: t.partitionOf ?? null,
    columns: [...t.columns.values()].map((c) => (t.kind === 'table' ? [c.name, c.type, c.array, c.notNull, c.hasDefault && !c.identity] : [c.name])),
    pk: t.primaryKey?.columns ?? null,
    // REFERENCES t without a column list means t's primary key (the catalog always names it)
    fks: t.foreignKeys.map((f) => [f.columns, f.refTable, f.refColumns.length ? f.refColumns : s.tables.get(f.refTable)?.primaryKey?.columns ?? []]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  });
}
function indexFacts(s: Schema): Map<string, string> {
  return new Map([...s.indexes.values()].map((i) => [i.name, JSON.stringify([i.table, i.columns, i.unique, i.method, i.include, i.predicate !== ''])]));
}

async function main(): Promise<void> {
  const why = ensurePostgres15();
  if (why) { console.error(why); process.exit(1); }
  await initParser();
  const cluster = await startCluster();
  try {
    for (const c of cases) {
      const db = c.name;
      const admin = new Client({ host: '127.0.0.1', port: cluster.port, user: SUPERUSER, password: SUPERPASS, database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db}`);
      await admin.end();
      const load = new Client({ host: '127.0.0.1', port: cluster.port, user: SUPERUSER, password: SUPERPASS, database: db });
      await load.connect();
      // statement by statement: what PostgreSQL 15 rejects (newer syntax, follow-on errors) is left
      // out of both sides, so the comparison is between the same DDL
      let failed = 0, ran = 0;
      if (db === 'lemmy') await load.query('CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())');
      const project = new Project();
      for (const f of c.files) {
        const kept: string[] = [];
        for (const st of splitStatements(fs.readFileSync(f, 'utf8')).statements) {
          if (!st.text.trim()) continue;
          try { await load.query(st.text); kept.push(st.text); ran++; } catch (e: any) {
            failed++;
            if (process.env.VERBOSE) console.error(`${c.name}: ${path.basename(f)}: ${e.message}`);
            await load.query('ROLLBACK').catch(() => undefined);
          }
        }
        project.setFile(f, kept.join('\n'));
      }
      await load.end();
      const replayed = project.schema();
      const s = await LiveSession.open({ url: `postgres://${SUPERUSER}@127.0.0.1:${cluster.port}/${db}`, password: SUPERPASS, statementTimeoutMs: 30_000 });
      let t = performance.now();
      const snap = await readCatalog(s);
      const readMs = performance.now() - t;
      t = performance.now();
      const live = catalogSchema(snap);
      const replayMs = performance.now() - t;
      t = performance.now();
      await serverChecks(s);
      const healthMs = performance.now() - t;
      await s.close();
      const skip = new Set(['public.__diesel_schema_migrations']);
      let same = 0, differ = 0, onlyLive = 0, onlyRepo = 0;
      const diffs: string[] = [];
      for (const [k, lt] of live.tables) {
        if (skip.has(k)) continue;
        const rt = replayed.tables.get(k);
        if (!rt) { onlyLive++; diffs.push(`only in the catalog: ${k}`); continue; }
        if (tableFacts(lt, live) === tableFacts(rt, replayed)) same++; else { differ++; diffs.push(`differs: ${k}\n  catalog ${tableFacts(lt, live)}\n  replay  ${tableFacts(rt, replayed)}`); }
      }
      for (const k of replayed.tables.keys()) if (!live.tables.has(k)) { onlyRepo++; diffs.push(`only in the replay: ${k}`); }
      const li = indexFacts(live), ri = indexFacts(replayed);
      let ixSame = 0, ixDiff = 0;
      for (const [n, f] of li) { if (ri.get(n) === f) ixSame++; else { ixDiff++; diffs.push(`index ${n}: catalog ${f} replay ${ri.get(n) ?? '(none)'}`); } }
      const ixOnlyRepo = [...ri.keys()].filter((n) => !li.has(n)).length;
      console.log(`${c.name}: ${c.files.length} files, ${ran} statements loaded (${failed} rejected by PostgreSQL 15, left out of both sides); catalog: ${snap.counts.tables} tables, ${snap.counts.views} views, ${snap.counts.indexes} indexes, ${snap.counts.constraints} constraints, ${snap.ddl.length} chars of DDL`);
      console.log(`  read ${readMs.toFixed(0)} ms, replay into a Schema ${replayMs.toFixed(0)} ms, health checks ${healthMs.toFixed(0)} ms`);
      console.log(`  tables: ${same} identical, ${differ} differ, ${onlyLive} only in the catalog, ${onlyRepo} only in the replay; indexes: ${ixSame} identical, ${ixDiff} differ or only in the catalog, ${ixOnlyRepo} only in the replay`);
      // the schema rules on both: findings about the catalog's objects vs the migrations' findings
      const base = new Project();
      base.setBase(catalogFile(snap));
      base.analyze();
      const byRule = (list: { rule: string }[]) => { const m = new Map<string, number>(); for (const f of list) m.set(f.rule, (m.get(f.rule) ?? 0) + 1); return m; };
      const fromCatalog = byRule(base.baseFindings);
      const schemaRules = new Set(ALL_RULES.filter((r) => r.onSchema).map((r) => r.meta.id));
      const fromRepo = byRule([...project.analyze().values()].flat().filter((f) => schemaRules.has(f.rule)));
      const rules = [...new Set([...fromCatalog.keys(), ...fromRepo.keys()])].sort();
      console.log(`  schema-rule findings, catalog / migrations: ${rules.map((r) => `${r} ${fromCatalog.get(r) ?? 0}/${fromRepo.get(r) ?? 0}`).join(', ') || 'none'}`);
      if (process.env.VERBOSE) {
        const repoMsgs = new Set([...project.analyze().values()].flat().map((f) => f.message));
        for (const f of base.baseFindings) if (!repoMsgs.has(f.message)) console.log(`  only on the catalog: ${f.rule}: ${f.message}`);
      }
      if (process.env.VERBOSE) for (const d of diffs) console.log('  ' + d);
      else for (const d of diffs.slice(0, 6)) console.log('  ' + d.split('\n')[0]);
    }
  } finally {
    cluster.stop();
  }
}

void main();
