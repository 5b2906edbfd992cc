// The live database's catalog as DDL: tables (columns with types, NOT NULL, defaults, identity,
// generated), partitioning, PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK / EXCLUDE constraints,
// indexes, views and materialized views, written back with PostgreSQL's own pg_get_*def functions.
// The text is replayed into a Schema by the same code that replays migrations (replay.ts), so a
// project without migrations gets exactly the schema its migrations would have given; locations
// point into this virtual "database" source, never into the user's files.
import { defaultConfig } from '../config';
import { buildFile, type Project } from '../engine/project';
import type { DialectId } from '../dialects/types';
import { applyStatement } from '../replay';
import { Schema } from '../schema';
import { quoteIdent } from '../sql/ident';
import type { LiveSession } from './connect';
import { DBE_MARK } from './connect';

export interface CatalogSnapshot {
  /** Virtual source path of the DDL (e.g. `database://app@localhost:5432/shop`). */
  source: string;
  /** The catalog as DDL, one statement per object. */
  ddl: string;
  serverVersion: number;
  counts: { tables: number; views: number; indexes: number; constraints: number };
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'`;
// objects an extension created (PostGIS's spatial_ref_sys...) are not the project's
const NOT_EXTENSION = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

const SERIAL: Record<string, string> = { smallint: 'smallserial', integer: 'serial', bigint: 'bigserial' };

const q = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

export function catalogSource(target: string): string { return `database://${target}`; }

/** Reads the catalog of the session's database. */
export async function readCatalog(s: LiveSession): Promise<CatalogSnapshot> {
  const rels = await s.query<{ oid: number; nsp: string; name: string; kind: string; ispart: boolean; parent_nsp: string | null; parent: string | null; bound: string | null; partkey: string | null; viewdef: string | null }>(`${DBE_MARK}
    SELECT c.oid::int8 AS oid, n.nspname AS nsp, c.relname AS name, c.relkind AS kind, c.relispartition AS ispart,
           pn.nspname AS parent_nsp, p.relname AS parent,
           CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
           CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS viewdef
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND c.relispartition
    LEFT JOIN pg_class p ON p.oid = i.inhparent LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS} AND ${NOT_EXTENSION('c.oid')}
    ORDER BY c.relispartition, c.oid`);
  const cols = await s.query<{ rel: number; name: string; type: string; notnull: boolean; def: string | null; identity: string; generated: string; collation: string | null; serial: boolean }>(`${DBE_MARK}
    SELECT a.attrelid::int8 AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
           pg_get_expr(ad.adbin, ad.adrelid) AS def, a.attidentity AS identity, a.attgenerated AS generated,
           CASE WHEN a.attcollation <> t.typcollation AND co.collname <> 'default' THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
           -- a column whose default draws from a sequence it owns was written as serial
           (a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AND a.attidentity = '' AND pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%'
             AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
                           AND d.objid = (SELECT c2.oid FROM pg_class c2 WHERE c2.relkind = 'S' AND c2.oid = d.objid))) AS serial
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition AND ${USER_SCHEMAS}
    ORDER BY a.attrelid, a.attnum`);
  const cons = await s.query<{ rel: number; name: string; type: string; def: string }>(`${DBE_MARK}
    SELECT k.conrelid::int8 AS rel, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid, true) AS def
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND k.conparentid = 0 AND NOT (c.relispartition AND k.coninhcount > 0) AND ${USER_SCHEMAS}
    ORDER BY CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END, k.conrelid, k.oid`);
  const idx = await s.query<{ rel: number; def: string }>(`${DBE_MARK}
    SELECT x.indrelid::int8 AS rel, pg_get_indexdef(x.indexrelid) AS def
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x') AND k.conrelid = x.indrelid)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid)
      AND ${NOT_EXTENSION('c.oid')}
    ORDER BY x.indexrelid`);

  const byRel = new Map<number, typeof cols.rows>();
  for (const c of cols.rows) {
    let list = byRel.get(Number(c.rel));
    if (!list) byRel.set(Number(c.rel), (list = []));
    list.push(c);
  }
  const known = new Map<number, string>();
  const partitionOids = new Set<number>();
  const tables: string[] = [], partitions: string[] = [], views: string[] = [];
  let nTables = 0, nViews = 0;
  for (const r of rels.rows) {
    const name = q(r.nsp, r.name);
    known.set(Number(r.oid), name);
    if (r.kind === 'v' || r.kind === 'm') {
      nViews++;
      const body = (r.viewdef ?? '').trim().replace(/;\s*$/, '');
      views.push(r.kind === 'v' ? `CREATE VIEW ${name} AS\n${body};` : `CREATE MATERIALIZED VIEW ${name} AS\n${body}\nWITH NO DATA;`);
      continue;
    }
    nTables++;
    if (r.ispart && r.parent) {
      partitionOids.add(Number(r.oid));
      partitions.push(`CREATE TABLE ${name} PARTITION OF ${q(r.parent_nsp!, r.parent)} ${r.bound ?? 'DEFAULT'};`);
      continue;
    }
    const lines = (byRel.get(Number(r.oid)) ?? []).map((c) => {
      const serial = c.serial ? SERIAL[c.type] : undefined;
      let line = `  ${quoteIdent(c.name)} ${serial ?? c.type}`;
      if (c.collation) line += ` COLLATE ${c.collation}`;
      if (serial) { /* the sequence's default is what serial means */ } else if (c.identity === 'a' || c.identity === 'd') line += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
      else if (c.generated === 's' && c.def) line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
      else if (c.def) line += ` DEFAULT ${c.def}`;
      if (c.notnull && c.identity !== 'a' && c.identity !== 'd') line += ' NOT NULL';
      return line;
    });
    const head = r.kind === 'f' ? 'CREATE FOREIGN TABLE' : 'CREATE TABLE';
    tables.push(`${head} ${name} (\n${lines.join(',\n')}\n)${r.partkey ? ` PARTITION BY ${r.partkey}` : ''}${r.kind === 'f' ? ' SERVER dbe_unknown' : ''};`);
  }
  const constraint = (k: (typeof cons.rows)[number]) => `ALTER TABLE ${known.get(Number(k.rel))} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.def};`;
  const mine = cons.rows.filter((k) => known.has(Number(k.rel)));
  // partitions come after their parents' constraints, as a migration creating them later would
  // (the replay gives a partition its parent's primary key when it is created)
  const constraints = [...mine.filter((k) => !partitionOids.has(Number(k.rel))).map(constraint), ...partitions, ...mine.filter((k) => partitionOids.has(Number(k.rel))).map(constraint)];
  const indexes = idx.rows.filter((i) => known.has(Number(i.rel))).map((i) => `${i.def};`);
  const ddl = [
    `-- The catalog of ${s.target} (PostgreSQL ${s.serverVersion}), as read by dbe.`,
    ...tables, ...constraints, ...indexes, ...views,
  ].join('\n') + '\n';
  return {
    source: catalogSource(s.target), ddl, serverVersion: s.serverVersion,
    counts: { tables: nTables, views: nViews, indexes: indexes.length, constraints: mine.length },
  };
}

/** A fresh Schema holding the snapshot's objects (a new one per call: replay mutates schemas). */
export function catalogSchema(snap: Pick<CatalogSnapshot, 'source' | 'ddl'> & { dialect?: DialectId }): Schema {
  const schema = new Schema();
  const file = catalogFile(snap);
  for (const stmt of file.statements) applyStatement(schema, stmt);
  return schema;
}

/**
 * The snapshot's source file (parsed once), for rules and the base schema of a Project. A MySQL or
 * MariaDB catalog (live/mysql/catalog.ts: `SHOW CREATE TABLE` text) is read by the MySQL front end.
 */
export function catalogFile(snap: Pick<CatalogSnapshot, 'source' | 'ddl'> & { dialect?: DialectId }) {
  const dialect = snap.dialect && snap.dialect !== 'postgres' ? { dialect: snap.dialect, dialectSource: 'the live database' } : {};
  return buildFile(snap.source, snap.ddl, { ...defaultConfig(), ...dialect, maxFileBytes: Number.MAX_SAFE_INTEGER }, snap.source);
}

const DDL_KINDS = new Set(['CreateStmt', 'AlterTableStmt', 'IndexStmt', 'ViewStmt', 'CreateTableAsStmt']);

/**
 * A project holds migrations when one of its replayed files builds schema (CREATE/ALTER TABLE,
 * CREATE INDEX, views): then its schema comes from them, and the catalog is not used.
 */
export function hasMigrations(project: Project): boolean {
  return project.order().some((f) => f.replayed && f.statements.some((s) => s.kind && DDL_KINDS.has(s.kind)));
}
