import type { Fix } from '../../model';
import { fileOffset } from '../../replay';
import type { Column, ForeignKey, Table } from '../../schema';
import { walk } from '../../sql/ast';
import { isAppliedMigration, placeMigrations, placesInline } from '../../engine/placement';
import { anchorOf, ident, objectName, sibling, tableRef } from './refactor';
import { isJudgedTable, nameWords, statementOf } from './util';
import type { Rule, SchemaContext } from '../types';

/** Table-name words of append-only, time-keyed data. */
const TIME_SERIES = new Set([
  'event', 'events', 'log', 'logs', 'audit', 'audits', 'measurement', 'measurements', 'metric', 'metrics', 'reading', 'readings',
  'telemetry', 'activity', 'activities', 'history', 'histories', 'journal', 'trail', 'impressions', 'clicks', 'pageviews', 'samples',
]);
/** Words ending in -log that are not logs. */
const NOT_LOGS = new Set(['blog', 'blogs', 'catalog', 'catalogs', 'backlog', 'backlogs', 'dialog', 'dialogs', 'analog', 'prolog', 'epilog', 'vlog', 'vlogs']);
/** A table-name word of time-series data: events, audit, ... or a compound log (modlog, changelog). */
function timeSeriesWord(w: string): boolean {
  return TIME_SERIES.has(w) || (/^[a-z]{2,}logs?$/.test(w) && !NOT_LOGS.has(w));
}
/** Time columns that key such rows, most telling first. */
const TIME_KEYS = [
  'occurred_at', 'recorded_at', 'logged_at', 'happened_at', 'measured_at', 'captured_at', 'sampled_at', 'emitted_at', 'received_at',
  'event_time', 'event_at', 'changed_at', 'created_at', 'inserted_at', 'published_at', 'sent_at', 'timestamp', 'ts', 'time', 'at', 'created', 'published',
];
const TIME_TYPES = new Set(['timestamptz', 'timestamp', 'date']);
/** Columns of rows that change, or of things with a lifetime of their own (calendar events, not event logs). */
const MUTABLE = /^(updated_at|modified_at|updated|modified|last_modified|starts_at|start_at|start_time|start_date|ends_at|end_at|end_time|end_date|title|slug)$/i;

function timeKey(t: Table): Column | undefined {
  for (const name of TIME_KEYS) {
    const c = t.columns.get(name);
    if (c && TIME_TYPES.has(c.type) && !c.array) return c;
  }
  return undefined;
}

/** What the workspace's statements say about the tables, read once. */
interface Usage {
  /** Tables a statement updates (UPDATE t ...): not append-only. */
  updated: Set<Table>;
  /** Parents and children of table inheritance (INHERITS): partitioned the old way already. */
  inherited: Set<string>;
  /** Statement texts of the up migrations, function bodies and query files, lower-cased (for the signs of volume). */
  texts: string[];
}

function usage(ctx: SchemaContext): Usage {
  const out: Usage = { updated: new Set(), inherited: new Set(), texts: [] };
  for (const f of ctx.files()) {
    if (f.isDown) continue;
    for (const s of f.statements) {
      out.texts.push(s.text.toLowerCase());
      if (s.kind === 'UpdateStmt' && s.node?.relation?.relname) {
        const t = ctx.schema.table(s.node.relation.schemaname, s.node.relation.relname);
        if (t) out.updated.add(t);
      } else if (s.kind === 'CreateStmt' && !s.node?.partbound && (s.node?.inhRelations ?? []).length) {
        const rv = s.node!.relation;
        const child = rv?.relname && ctx.schema.table(rv.schemaname, rv.relname);
        if (child) out.inherited.add(child.key);
        for (const p of s.node!.inhRelations) {
          const parent = p.RangeVar?.relname && ctx.schema.table(p.RangeVar.schemaname, p.RangeVar.relname);
          if (parent) out.inherited.add(parent.key);
        }
      }
    }
  }
  return out;
}

const esc = (s: string) => s.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Why the table is known to grow large, or undefined: the name and a time column alone say what
 * the rows are, not how many ("Partition by month for large tables"). Signs: a retention DELETE by
 * the time column somewhere in the workspace (a query file, a function, a pg_cron job), a BRIN
 * index on the time column (chosen for huge append-only tables), a trigger function writing it
 * (a row per change of other tables), or a migration copying 100,000 rows or more into it.
 */
function volumeSign(ctx: SchemaContext, t: Table, key: Column, use: Usage): string | undefined {
  if (ctx.schema.indexesOf(t).some((ix) => ix.method === 'brin' && ix.columns[0] === key.name)) return `its BRIN index on ${key.name}`;
  const name = `(?:[\\w"]+\\.)?"?${esc(t.name)}"?(?![\\w"])`;
  const col = `"?${esc(key.name)}"?(?![\\w"])`;
  const retention = new RegExp(`\\bdelete\\s+from\\s+(?:only\\s+)?${name}[^;]*?\\bwhere\\b[^;]*?(?<![\\w"])${col}\\s*(?:<|<=|between)`);
  const retention2 = new RegExp(`\\bdelete\\s+from\\s+(?:only\\s+)?${name}[^;]*?\\bwhere\\b[^;]*?>=?\\s*(?:[\\w."]+\\.)?${col}`);
  const insert = new RegExp(`\\binsert\\s+into\\s+${name}`);
  for (const text of use.texts) {
    if (retention.test(text) || retention2.test(text)) return `the retention DELETE by ${key.name}`;
    if (/\breturns\s+trigger\b/.test(text) && insert.test(text)) return 'the trigger that writes a row into it for every change it records';
    if (/^\s*insert\b/.test(text) && insert.test(text)) {
      const m = /\blimit\s+(\d+)\s*;?\s*$/.exec(text);
      if (m && Number(m[1]) >= 100_000) return `the migration copying up to ${Number(m[1]).toLocaleString('en-US')} rows into it`;
    }
  }
  return undefined;
}

const ACTION: Record<string, string> = { c: ' ON DELETE CASCADE', n: ' ON DELETE SET NULL', d: ' ON DELETE SET DEFAULT', r: ' ON DELETE RESTRICT' };
const UPDATE_ACTION: Record<string, string> = { c: ' ON UPDATE CASCADE', n: ' ON UPDATE SET NULL', d: ' ON UPDATE SET DEFAULT', r: ' ON UPDATE RESTRICT' };

/** The ON DELETE / ON UPDATE clauses of a foreign key, read back from the statement that defined it. */
function fkActions(ctx: SchemaContext, fk: ForeignKey): string {
  const stmt = statementOf(ctx, fk.loc);
  let out = '';
  walk(stmt?.node, (kind, node) => {
    if (kind !== 'Constraint' || node.contype !== 'CONSTR_FOREIGN' || !stmt) return;
    if (fileOffset(stmt, node.location) !== fk.loc.start) return;
    out = (ACTION[node.fk_del_action] ?? '') + (UPDATE_ACTION[node.fk_upd_action] ?? '');
    return false;
  });
  return out;
}

/** A DO block giving the sequence behind `table.column` to `schema.owner.column`. */
function ownSequence(tableLit: string, column: string, schema: string, owner: string): string {
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return [
    `DO $$`,
    `DECLARE seq regclass := pg_get_serial_sequence(${tableLit}, ${lit(column)})::regclass;`,
    `BEGIN`,
    `    EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.%I.%I', seq, ${lit(schema)}, ${lit(owner)}, ${lit(column)});`,
    `END $$;`,
  ].join('\n');
}

function refactor(ctx: SchemaContext, t: Table, key: Column): Fix | undefined {
  const pk = t.primaryKey;
  if (!pk?.columns.length) return undefined;
  const indexes = ctx.schema.indexesOf(t);
  const anchor = anchorOf(ctx, [t.loc, pk.loc, ...[...t.columns.values()].map((c) => c.loc), ...indexes.map((i) => i.loc), ...t.foreignKeys.map((f) => f.loc)]);
  if (!anchor) return undefined;
  const src = tableRef(t);
  const newName = objectName([t.name.toLowerCase(), 'partitioned']);
  const oldName = objectName([t.name.toLowerCase(), 'unpartitioned']);
  const dst = sibling(t, newName);
  const fn = sibling(t, objectName([t.name.toLowerCase(), 'copy_to_partitioned']));
  const trig = ident(objectName([t.name.toLowerCase(), 'copy_to_partitioned']));
  const k = ident(key.name);
  const cols = [...t.columns.values()].filter((c) => !c.generated);
  const list = cols.map((c) => ident(c.name)).join(', ');
  const pkCols = pk.columns.includes(key.name) ? pk.columns : [...pk.columns, key.name];
  const schemaLit = t.schema.replace(/'/g, "''");
  const base = t.name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 50).replace(/'/g, "''");

  const indexLines: string[] = [];
  for (const ix of indexes) {
    if (ix.constraint === 'primary') continue;
    const plain = ix.columns.every((c) => c !== null) && !ix.predicate;
    if (ix.unique && !ix.columns.includes(key.name)) { indexLines.push(`-- Not carried over: unique index ${ix.name} (a unique index on a partitioned table must include ${key.name}).`); continue; }
    if (!plain) { indexLines.push(`-- Not carried over: index ${ix.name} (an expression or partial index): recreate it on ${newName} by hand.`); continue; }
    indexLines.push(`CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ON ${dst}${ix.method !== 'btree' ? ` USING ${ix.method}` : ''} (${(ix.columns as string[]).map(ident).join(', ')});`);
  }
  const fkLines = t.foreignKeys.map((fk) =>
    `ALTER TABLE ${dst} ADD FOREIGN KEY (${fk.columns.map(ident).join(', ')}) REFERENCES ${fk.refTable.replace(/^public\./, '').split('.').map(ident).join('.')}${fk.refColumns.length ? ` (${fk.refColumns.map(ident).join(', ')})` : ''}${fkActions(ctx, fk)};`);

  const expand = [
    `-- The same columns, defaults and checks, partitioned by month on ${key.name}; the primary key`,
    `-- must include the partition key.`,
    `CREATE TABLE ${dst} (LIKE ${src} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)`,
    `    PARTITION BY RANGE (${k});`,
    `ALTER TABLE ${dst} ADD PRIMARY KEY (${pkCols.map(ident).join(', ')});`,
    ...indexLines,
    ...fkLines,
    '',
    `-- Monthly partitions from the oldest row's month to three months ahead (create later months ahead`,
    `-- of time, e.g. with a scheduled job or pg_partman); rows outside them go to the default partition.`,
    `DO $$`,
    `DECLARE m date;`,
    `BEGIN`,
    `    FOR m IN SELECT generate_series(date_trunc('month', coalesce((SELECT min(${k}) FROM ${src}), now()))::date,`,
    `                                    (date_trunc('month', now()) + interval '3 months')::date, interval '1 month')::date`,
    `    LOOP`,
    `        EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',`,
    `            '${schemaLit}', '${base}_p' || to_char(m, 'YYYY_MM'), '${schemaLit}', '${newName}', m, (m + interval '1 month')::date);`,
    `    END LOOP;`,
    `END $$;`,
    `CREATE TABLE ${sibling(t, objectName([t.name.toLowerCase(), 'default']))} PARTITION OF ${dst} DEFAULT;`,
    '',
    `-- Until the switch-over, new rows are copied as they arrive.`,
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$`,
    `BEGIN`,
    `    INSERT INTO ${dst} (${list}) VALUES (${cols.map((c) => `NEW.${ident(c.name)}`).join(', ')}) ON CONFLICT DO NOTHING;`,
    `    RETURN NULL;`,
    `END $$;`,
    `CREATE TRIGGER ${trig} AFTER INSERT ON ${src} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  ].join('\n');
  const expandDown = [`DROP TRIGGER IF EXISTS ${trig} ON ${src};`, `DROP FUNCTION IF EXISTS ${fn}();`, `DROP TABLE IF EXISTS ${dst};`].join('\n');

  const copy = [
    `-- Copy the rows that were there before the trigger; rows the trigger already copied are skipped.`,
    `-- On a large table run this in batches instead (one month of ${key.name} at a time).`,
    `INSERT INTO ${dst} (${list})`,
    `SELECT ${list} FROM ${src}`,
    `ON CONFLICT DO NOTHING;`,
  ].join('\n');

  const serials = [...t.columns.values()].filter((c) => /serial/.test(c.type));
  const identities = [...t.columns.values()].filter((c) => c.identity);
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const oldRef = sibling(t, oldName);
  const switchOver = [
    `-- Switch-over: run in one transaction (as migration tools do). Dropping the trigger locks`,
    `-- ${t.name} until the commit, so nothing is written while the names change hands.`,
    `DROP TRIGGER ${trig} ON ${src};`,
    `DROP FUNCTION ${fn}();`,
    `ALTER TABLE ${src} RENAME TO ${ident(oldName)};`,
    `-- Nothing but the trigger used ${newName}, and ${t.name} keeps its name:`,
    `-- dbe-ignore breaking-rename`,
    `ALTER TABLE ${dst} RENAME TO ${ident(t.name)};`,
    ...serials.map((c) =>
      `-- The sequence behind ${c.name} now belongs to the partitioned table (so dropping ${oldName} keeps it).\n` +
      ownSequence(lit(oldRef), c.name, t.schema, t.name)),
    ...identities.map((c) =>
      `-- ${c.name} keeps numbering after the copied rows.\n` +
      `ALTER TABLE ${src} ALTER COLUMN ${ident(c.name)} ADD GENERATED BY DEFAULT AS IDENTITY;\n` +
      `SELECT setval(pg_get_serial_sequence(${lit(src)}, ${lit(c.name)}), (SELECT coalesce(max(${ident(c.name)}), 0) + 1 FROM ${oldRef}), false);`),
    `-- ${oldName} stays as a fallback until the next migration drops it.`,
  ].join('\n');
  const switchDown = [
    ...identities.map((c) => `ALTER TABLE ${src} ALTER COLUMN ${ident(c.name)} DROP IDENTITY IF EXISTS;`),
    ...serials.map((c) => ownSequence(lit(src), c.name, t.schema, oldName)),
    `ALTER TABLE ${src} RENAME TO ${ident(newName)};`,
    `ALTER TABLE ${oldRef} RENAME TO ${ident(t.name)};`,
    `-- Rows written since the switch-over go back to the unpartitioned table.`,
    `INSERT INTO ${src} (${list}) SELECT ${list} FROM ${dst} ON CONFLICT DO NOTHING;`,
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$`,
    `BEGIN`,
    `    INSERT INTO ${dst} (${list}) VALUES (${cols.map((c) => `NEW.${ident(c.name)}`).join(', ')}) ON CONFLICT DO NOTHING;`,
    `    RETURN NULL;`,
    `END $$;`,
    `CREATE TRIGGER ${trig} AFTER INSERT ON ${src} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  ].join('\n');
  const contract = [
    `-- Contract step: run once ${t.name} (now partitioned) is known good; until then ${oldName}`,
    `-- is the way back (the previous migration's rollback).`,
    `-- dbe-ignore destructive-change`,
    `DROP TABLE ${oldRef};`,
  ].join('\n');
  const contractDown = [
    `CREATE TABLE ${oldRef} (LIKE ${src} INCLUDING ALL);`,
    `INSERT INTO ${oldRef} (${list}) SELECT ${list} FROM ${src};`,
  ].join('\n');
  // inline after the anchor: never into a migration that has already run (no convention to name a new one by)
  if (placesInline(ctx.files()) && isAppliedMigration(ctx.files(), anchor.file)) return undefined;
  const edits = placeMigrations(ctx.files(), [
    { title: `Create ${newName} partitioned by month`, up: expand, down: expandDown, anchor },
    { title: `Copy ${t.name} rows into ${newName}`, up: copy, down: `-- Nothing to undo: ${newName} is dropped by the previous migration's rollback.`, anchor },
    { title: `Switch ${t.name} to the partitioned table`, up: switchOver, down: switchDown, anchor },
    { title: `Drop ${oldName}`, up: contract, down: contractDown, anchor },
  ]).flatMap((p) => p.edits);
  return { title: `Partition ${t.name} by month on ${key.name} (new table, copy, switch-over)`, edits };
}

export const rule: Rule = {
  meta: {
    id: 'partition-candidate',
    title: 'Append-only, time-keyed table without partitioning',
    category: 'schema',
    severity: 'info',
    principle: 'Schema Design Standards: "Partition by month for large tables", Data Modeling Principles: "Plan for scale from day one", and Special Instructions: "Include data retention and archival strategies".',
    rationale:
      'Events, logs, audit trails and measurements only grow, are written at the recent end and are mostly read by time range, and old rows are eventually deleted. In one table, that retention is a huge DELETE that bloats the table and its indexes, every index keeps growing, and vacuum has to walk years of cold rows. Range partitioning by month keeps each partition and its indexes small, lets queries on recent data touch one partition, and turns retention into `DETACH PARTITION` / `DROP TABLE` of a month, which is instant. Partitioning an existing big table later is a project; planning it while the table is young is cheap.',
    bad: "CREATE TABLE page_events (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  user_id bigint,\n  kind text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n-- the nightly retention job\nDELETE FROM page_events WHERE created_at < now() - interval '90 days';",
    good: "CREATE TABLE page_events (\n  id bigint GENERATED ALWAYS AS IDENTITY,\n  user_id bigint,\n  kind text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now(),\n  PRIMARY KEY (id, created_at)\n) PARTITION BY RANGE (created_at);\nCREATE TABLE page_events_p2025_01 PARTITION OF page_events FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');",
    fixable: true,
    notes:
      'A table is a candidate when its name has a word such as events, log(s) (also compounds such as modlog or changelog, not blog or catalog), audit, measurements, metrics, readings, telemetry, activity or history, it has a time column (`occurred_at`, `recorded_at`, `created_at`, `timestamp`, `ts`, `published_at`, ... of a timestamp or date type), and it looks append-only: no `updated_at`-style column, no UPDATE of it anywhere in the workspace, no columns of a thing with a lifetime (`starts_at`, `ends_at`, `title`, `slug`: calendar events are not event logs), and no foreign key of another table points at it (a partitioned table can be referenced only through a key that includes the partition key). The persona partitions "large tables", so a name and a time column are not enough: the project must also show that the table grows large, by a retention `DELETE FROM t WHERE <time column> < ...` anywhere in the workspace (a query file, a function body, a pg_cron job), a BRIN index on the time column, a trigger function that inserts into it (a row for every change it records), or a migration copying 100,000 rows or more into it (`INSERT ... SELECT ... LIMIT 100000`); the message names the sign. Partitioned tables, their partitions (`PARTITION OF`, `ATTACH PARTITION`) and tables in an inheritance hierarchy (`INHERITS`: partitioned the old way) are not reported. The actual size is still unknown to a static check, hence info: silence it for tables that stay small. The fix "Partition by month" (for a table with a primary key) writes three migrations: a new partitioned table created `LIKE` the old one, with the primary key extended by the time column, the plain indexes and the foreign keys (with their ON DELETE actions) recreated, monthly partitions from the oldest row to three months ahead plus a default partition, and a trigger copying new rows; then the copy of the existing rows (`ON CONFLICT DO NOTHING`, to be batched on a big table); then the switch-over in one transaction: drop the trigger, swap the names, hand the serial sequence over or continue the identity numbering. The old table stays, renamed `<table>_unpartitioned`, until you drop it. Unique indexes without the time column and expression or partial indexes cannot be carried over automatically; the migration names them.',
  },
  onSchema(ctx) {
    let use: Usage | undefined;
    const referenced = new Set<string>();
    for (const t of ctx.schema.tables.values()) for (const fk of t.foreignKeys) if (fk.refTable !== t.key) referenced.add(fk.refTable);
    for (const t of ctx.schema.tables.values()) {
      // partitions (PARTITION OF, ATTACH PARTITION) and partitioned tables are partitioned already
      if (!isJudgedTable(t) || t.partitioned) continue;
      if (!nameWords(t.name).some(timeSeriesWord)) continue;
      const key = timeKey(t);
      if (!key || referenced.has(t.key)) continue;
      if ([...t.columns.keys()].some((c) => MUTABLE.test(c))) continue;
      use ??= usage(ctx);
      if (use.updated.has(t) || use.inherited.has(t.key)) continue;
      const sign = volumeSign(ctx, t, key, use);
      if (!sign) continue;
      const fix = refactor(ctx, t, key);
      ctx.report({
        loc: t.loc,
        message: `Table ${t.name} looks append-only and keyed by time (${key.name}), and ${sign} shows it grows large, but it is not partitioned: retention means huge DELETEs and its indexes grow forever; partition it by range on ${key.name} (monthly), so old months are dropped instantly and recent queries touch one partition.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
