// The online expand/contract refactor offered on `alter-column-type` and `breaking-rename` findings.
// Instead of one statement that rewrites or renames under an ACCESS EXCLUSIVE lock:
//   1. expand (replaces the risky statement): the new column beside the old one, kept in sync by a
//      BEFORE trigger (a table rename: the rename plus a compatibility view under the old name);
//   2. backfill: a procedure that copies the old values over in batches along the primary key,
//      committing each batch (run with CALL, outside a transaction);
//   3. switch / contract, in one transaction: checks the backfill is complete, drops the machinery and
//      the old column (and, for a type change, gives the new column the old name, NOT NULL and default).
// Steps 2 and 3 become new migrations in the project's convention (with rollbacks where it keeps
// down files), or follow the expand step in a project without one.
import type { Fix, Statement, TextEdit } from '../../model';
import { isAppliedMigration, placeMigrations, placesInline, type MigrationPlan } from '../../engine/placement';
import { defaultSource, fileOffset } from '../../replay';
import type { Column, Index, Table } from '../../schema';
import { firstLocation, strings, walk } from '../../sql/ast';
import { parseStatement, type Node } from '../../sql/parse';
import { fileTokens, tokenIndexAt } from '../../sql/spans';
import { splitStatements } from '../../sql/split';
import type { StatementContext } from '../types';
import { explicitTransaction, quoteIdent as ident } from './util';

const BATCH = 5000;

/** Why a fix was not offered, for the finding's message. */
export interface Why { reason?: string }
function no(why: Why, reason: string): undefined { why.reason = reason; return undefined; }
const SERIAL_TYPES: Record<string, string> = { serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint', smallserial: 'smallint', serial2: 'smallint' };
/** Names of the backfill procedure's own variables: a column with one of these names would be ambiguous. */
const PROC_VARS = ['_batch', '_ids', '_last'];

/** A PostgreSQL identifier of at most 63 bytes. */
function fit(name: string): string { return Buffer.byteLength(name) <= 63 ? name : name.slice(0, 63); }
/** `base` with a numeric suffix that survives the 63-byte cut (else a long name never becomes fresh). */
function numbered(base: string, i: number): string {
  const s = String(i);
  let b = base;
  while (b.length && Buffer.byteLength(b + s) > 63) b = b.slice(0, -1);
  return b + s;
}

interface Target {
  ctx: StatementContext;
  /** The table as the schema knows it just before the statement. */
  table: Table;
  /** The statement's RangeVar (schema as written). */
  rv: Node;
}

/** The table in generated SQL: qualified when the statement qualified it. */
function tableSql(t: Target): string {
  return t.rv.schemaname ? `${ident(t.rv.schemaname)}.${ident(t.rv.relname)}` : ident(t.rv.relname);
}
/** A new object (function, procedure) named after the table, in the table's schema when written so. */
function objectSql(t: Target, name: string): string {
  return t.rv.schemaname ? `${ident(t.rv.schemaname)}.${ident(fit(name))}` : ident(fit(name));
}
const displayOf = (t: Target) => (t.rv.schemaname ? `${t.rv.schemaname}.${t.rv.relname}` : t.rv.relname);

/** True when a CHECK constraint of the statement that defined `loc` may mention `col`. */
function checkMentions(ctx: StatementContext, loc: { path: string; start: number }, col: string): boolean {
  const file = ctx.files().find((f) => f.path === loc.path);
  const stmt = file?.statements.find((s) => s.start <= loc.start && loc.start < Math.max(s.end, s.start + 1));
  if (!stmt?.node) return true; // cannot tell: assume it does
  let hit = false;
  walk(stmt.node, (kind, n, parents) => {
    if (kind !== 'Constraint' || n.contype !== 'CONSTR_CHECK') return;
    const colDef = [...parents].reverse().find((p) => p.kind === 'ColumnDef');
    if (colDef?.node.colname === col) hit = true;
    walk(n.raw_expr, (k2, n2) => {
      if (k2 === 'ColumnRef') { const f = strings(n2.fields); if (f[f.length - 1] === col) hit = true; }
    });
  });
  return hit;
}

/**
 * Why the column cannot be moved online with the schema the project knows, or undefined when it can.
 * `col` is the column being changed or renamed.
 */
function columnObstacle(t: Target, col: Column | undefined, colName: string): string | undefined {
  const { table, ctx } = t;
  if (table.kind !== 'table' || table.partitioned || table.partitionOf) return 'not a plain table';
  if (!col || col.type === 'unknown' || !col.typeText) return 'the column\'s type is unknown';
  if (col.identity || col.generated || SERIAL_TYPES[col.type]) return 'identity, serial or generated column';
  const pk = table.primaryKey?.columns ?? [];
  if (pk.length !== 1) return pk.length ? 'composite primary key' : 'no primary key to batch by';
  if (pk[0] === colName) return 'the column is the primary key';
  const pkCol = table.columns.get(pk[0]);
  if (!pkCol || pkCol.type === 'unknown' || pkCol.array) return 'the primary key\'s type is unknown';
  for (const v of PROC_VARS) if (table.columns.has(v)) return `a column is named ${v}`;
  if (table.foreignKeys.some((fk) => fk.columns.includes(colName))) return 'the column has a foreign key';
  for (const other of ctx.schema.tables.values()) {
    for (const fk of other.foreignKeys) {
      if (fk.refTable === table.key && (fk.refColumns.length === 0 ? pk : fk.refColumns).includes(colName)) return 'a foreign key references the column';
    }
  }
  for (const ix of ctx.schema.indexesOf(table)) {
    const word = new RegExp(`(^|[^A-Za-z0-9_$])"?${colName.replace(/[$]/g, '\\$&')}"?([^A-Za-z0-9_$]|$)`);
    const inExpr = ix.exprs.some((e) => e.includes(JSON.stringify(colName))) || (!!ix.predicate && word.test(ix.predicateText));
    if (inExpr) return 'an expression or partial index uses the column';
    if ((ix.columns.includes(colName) || ix.include.includes(colName)) && !indexDef(t, ix)) return 'an index on the column cannot be rebuilt from what the project knows';
  }
  if (table.checks.some((c) => checkMentions(ctx, c.loc, colName))) return 'a CHECK constraint uses the column';
  return undefined;
}

/** What it takes to build an index again on another column: from its CREATE INDEX and the current column names. */
interface IndexDef {
  name: string;
  unique: boolean;
  method: string;
  elems: { col: string; opclass: string; ordering: string; nulls: string }[];
  include: string[];
}

/** The index as a plain column list (no constraint, expression or predicate), or undefined. */
function indexDef(t: Target, ix: Index): IndexDef | undefined {
  if (ix.constraint || ix.predicate || ix.columns.some((c) => c === null)) return undefined;
  const stmt = t.ctx.files().find((f) => f.path === ix.loc.path)?.statements.find((s) => s.start <= ix.loc.start && ix.loc.start < s.end);
  if (stmt?.kind !== 'IndexStmt') return undefined;
  const params: Node[] = (stmt.node!.indexParams ?? []).map((p: Node) => p.IndexElem);
  if (params.length !== ix.columns.length || params.some((e) => !e || e.collation)) return undefined;
  return {
    name: ix.name, unique: ix.unique, method: ix.method,
    elems: params.map((e, i) => ({
      col: ix.columns[i]!,
      opclass: strings(e.opclass).map(ident).join('.'),
      ordering: e.ordering === 'SORTBY_DESC' ? ' DESC' : e.ordering === 'SORTBY_ASC' ? ' ASC' : '',
      nulls: e.nulls_ordering === 'SORTBY_NULLS_FIRST' ? ' NULLS FIRST' : e.nulls_ordering === 'SORTBY_NULLS_LAST' ? ' NULLS LAST' : '',
    })),
    include: ix.include,
  };
}

/** CREATE INDEX for `def` with column `from` read as `to`. */
function indexSql(t: Target, def: IndexDef, name: string, from: string, to: string, concurrently: boolean): string {
  const col = (c: string) => ident(c === from ? to : c);
  const elems = def.elems.map((e) => `${col(e.col)}${e.opclass ? ' ' + e.opclass : ''}${e.ordering}${e.nulls}`).join(', ');
  const using = def.method === 'btree' ? '' : ` USING ${def.method}`;
  const include = def.include.length ? ` INCLUDE (${def.include.map(col).join(', ')})` : '';
  return `CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY IF NOT EXISTS ' : ''}${ident(name)} ON ${tableSql(t)}${using} (${elems})${include};`;
}

/** An index name in the table's schema as written (for ALTER INDEX / DROP INDEX). */
function indexRef(t: Target, name: string): string {
  return t.rv.schemaname ? `${ident(t.rv.schemaname)}.${ident(name)}` : ident(name);
}

/** Source text of the DEFAULT expression whose node is `expr`, written in `stmt`; undefined when not clear. */
function defaultText(stmt: Statement, expr: Node | undefined): string | undefined {
  const at = firstLocation(expr);
  if (at === undefined) return undefined;
  const toks = fileTokens(stmt);
  let i = tokenIndexAt(toks, fileOffset(stmt, at));
  while (i > 0 && toks[i].text.toLowerCase() !== 'default') i--;
  if (i < 0 || toks[i].text.toLowerCase() !== 'default') return undefined;
  const STOP = new Set(['not', 'null', 'check', 'references', 'unique', 'primary', 'constraint', 'generated', 'collate', 'deferrable', 'initially']);
  let depth = 0, j = i + 1, end = -1;
  for (; j < toks.length; j++) {
    // comments inside or after the expression are not part of it
    if (toks[j].kind === 'SQL_COMMENT' || toks[j].kind === 'C_COMMENT') continue;
    const w = toks[j].text.toLowerCase();
    if (depth === 0 && end >= 0 && (w === ',' || w === ')' || w === ';' || STOP.has(w))) break;
    if (w === '(' || w === '[') depth++;
    else if (w === ')' || w === ']') { if (--depth < 0) break; }
    end = j;
  }
  if (end < 0) return undefined;
  const text = stmt.file.text.slice(toks[i + 1].start, toks[end].end);
  return parseStatement(`SELECT ${text}`).error ? undefined : text;
}

/**
 * The column's current DEFAULT as written by the statements before `ctx.stmt` (CREATE TABLE,
 * ADD COLUMN, ALTER COLUMN SET/DROP DEFAULT), or null when it has none; undefined when unknown.
 */
function currentDefault(t: Target, colName: string): string | null | undefined {
  // the schema just before the statement knows where the column's current DEFAULT was written
  const col = t.table.columns.get(colName);
  const src = col && defaultSource(col);
  return src ? defaultText(src.stmt, src.expr) : null;
}

interface ColumnMove {
  /** Old and new column; for a type change the new one takes the old name at the switch. */
  src: string;
  dst: string;
  /** Type of the new column as written. */
  dstType: string;
  /** Type of the old column as written (for the rollback). */
  srcType: string;
  /** New value from NEW (trigger) and from the row (backfill). */
  fromNew: string;
  fromRow: string;
  /** Two-way sync (a rename: old and new code write either column). */
  twoWay: boolean;
  /** At the switch the new column is renamed to the old name (a type change). */
  takeName: boolean;
  notNull: boolean;
  default: string | null;
}

interface Steps {
  expand: string;
  /** What undoes the expand step (for the down migration of the file it is written in). */
  undo: string;
  /** Recognises, in that down migration, the statement that undid the original statement. */
  inverse: (s: Statement) => boolean;
  later: { title: string; up: string; down: string; nonTransactional?: boolean }[];
}

/** The SQL of an online column move (type change or column rename). */
function columnSteps(t: Target, m: ColumnMove, what: string): Steps {
  const T = tableSql(t);
  const disp = displayOf(t);
  const inline = placesInline(t.ctx.files());
  const pk = t.table.primaryKey!.columns[0];
  const pkCol = t.table.columns.get(pk)!;
  const pkType = SERIAL_TYPES[pkCol.type] ?? pkCol.typeText;
  const [src, dst, P] = [ident(m.src), ident(m.dst), ident(pk)];
  const base = `${t.table.name}_${m.src}`;
  const fn = objectSql(t, `${base}_sync`), trg = ident(fit(`${base}_sync`)), proc = objectSql(t, `${base}_backfill`);
  const check = ident(fit(`${t.table.name}_${m.dst}_not_null`));
  const finalName = m.takeName ? m.src : m.dst;
  // indexes on the old column, built again on the new one (concurrently, each in its own migration)
  const taken = new Set([...t.ctx.schema.indexes.values()].map((ix) => ix.name));
  const fresh = (base: string) => { let n = fit(base); for (let i = 2; taken.has(n); i++) n = numbered(base, i); taken.add(n); return n; };
  const rebuilt = t.ctx.schema.indexesOf(t.table)
    .filter((ix) => ix.columns.includes(m.src) || ix.include.includes(m.src))
    .map((ix) => {
      const def = indexDef(t, ix)!;
      const renamed = ix.name.replace(new RegExp(`(^|_)${m.src.replace(/[$]/g, '\\$&')}(_|$)`), `$1${m.dst}$2`);
      const name = m.takeName || renamed === ix.name ? fresh(`${ix.name}_new`) : fresh(renamed);
      return { def, name };
    });
  const total = 3 + rebuilt.length;
  const switchNo = total;
  const pending = `${dst} IS NULL AND ${m.fromRow === src ? src : `(${m.fromRow})`} IS NOT NULL`;
  const body = m.twoWay
    ? [
        `  IF TG_OP = 'INSERT' THEN`,
        `    IF NEW.${dst} IS NULL THEN NEW.${dst} := NEW.${src}; ELSE NEW.${src} := NEW.${dst}; END IF;`,
        `  ELSIF NEW.${dst} IS DISTINCT FROM OLD.${dst} THEN`,
        `    NEW.${src} := NEW.${dst};`,
        `  ELSE`,
        `    NEW.${dst} := NEW.${src};`,
        `  END IF;`,
      ]
    : [`  NEW.${dst} := ${m.fromNew};`];
  const syncSql = [
    `CREATE FUNCTION ${fn}() RETURNS trigger`,
    `LANGUAGE plpgsql AS $$`,
    `BEGIN`,
    ...body,
    `  RETURN NEW;`,
    `END;`,
    `$$;`,
    `CREATE TRIGGER ${trg} BEFORE INSERT OR UPDATE ON ${T}`,
    `FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  ];
  const procSql = [
    `CREATE PROCEDURE ${proc}(_batch integer DEFAULT ${BATCH})`,
    `LANGUAGE plpgsql AS $$`,
    `DECLARE`,
    `  _ids ${pkType}[];`,
    `  _last ${pkType};`,
    `BEGIN`,
    `  LOOP`,
    // two queries rather than `_last IS NULL OR pk > _last`, which a generic plan cannot run as an index range scan
    `    IF _last IS NULL THEN`,
    `      SELECT array_agg(${P} ORDER BY ${P}) INTO _ids FROM (SELECT ${P} FROM ${T} ORDER BY ${P} LIMIT _batch) AS batch;`,
    `    ELSE`,
    `      SELECT array_agg(${P} ORDER BY ${P}) INTO _ids FROM (SELECT ${P} FROM ${T} WHERE ${P} > _last ORDER BY ${P} LIMIT _batch) AS batch;`,
    `    END IF;`,
    `    EXIT WHEN _ids IS NULL;`,
    `    UPDATE ${T} SET ${dst} = ${m.fromRow} WHERE ${P} = ANY (_ids) AND ${pending};`,
    `    _last := _ids[array_length(_ids, 1)];`,
    `    COMMIT;`,
    `  END LOOP;`,
    `END;`,
    `$$;`,
  ];
  const addCheck = `ALTER TABLE ${T} ADD CONSTRAINT ${check} CHECK (${dst} IS NOT NULL) NOT VALID;`;
  const expand = [
    comment(`Step 1 of ${total} (expand): ${what} online. ${disp}.${m.dst} is added beside ${disp}.${m.src}; a trigger ` + (m.twoWay
      ? 'keeps the two equal on every INSERT and UPDATE, whichever one the code writes (a BEFORE trigger that only assigns NEW does not fire itself again, so the sync cannot recurse).'
      : `fills it from ${m.src} on every INSERT and UPDATE.`)),
    `ALTER TABLE ${T} ADD COLUMN ${dst} ${m.dstType};`,
    ...(m.notNull ? [addCheck] : []),
    ...syncSql,
    comment(`To undo this step: DROP TRIGGER ${trg} ON ${T}; DROP FUNCTION ${fn}(); ALTER TABLE ${T} DROP COLUMN ${dst};`),
  ].join('\n');

  const backfill = {
    title: `Backfill ${disp}.${m.dst}`,
    up: [
      `-- Step 2 of ${total} (backfill): copies ${m.src} into ${m.dst} ${BATCH} rows at a time along the primary key,`,
      `-- committing each batch, so no lock is held for long and no transaction grows large.`,
      inline
        ? `-- A procedure can COMMIT only when called outside a transaction block. Run it (e.g. psql in\n-- autocommit mode) once the statements above are applied:`
        : `-- A migration runs inside a transaction, where a procedure cannot COMMIT: this one only creates it.\n-- Once it is applied, run it outside a transaction (e.g. psql in autocommit mode):`,
      `--   CALL ${proc}();`,
      `-- It can be interrupted and called again. Apply step 3 only after it has finished (step ${switchNo} checks).`,
      ...procSql,
    ].join('\n'),
    down: `DROP PROCEDURE IF EXISTS ${proc}(integer);`,
  };

  const notNullFinal = m.notNull ? [`ALTER TABLE ${T} ALTER COLUMN ${dst} SET NOT NULL;`, `ALTER TABLE ${T} DROP CONSTRAINT ${check};`] : [];
  const switchUp = [
    m.takeName
      ? `-- Step ${switchNo} of ${total} (switch): ${disp}.${m.src} becomes the ${m.dstType} column, in one transaction.`
      : comment(`Step ${switchNo} of ${total} (contract), for a later release: keep this ${inline ? 'step' : 'file'} out of the release that brings the earlier steps, and deploy it once no running code reads or writes ${disp}.${m.src}. It drops the sync trigger and the old column, in one transaction.`),
    ...(inline ? [] : [`-- Migration tools run a file in one transaction; run by hand, wrap it in BEGIN ... COMMIT.`]),
    `-- Wait at most 5 s for each lock rather than queue every other query behind this migration:`,
    `SET LOCAL lock_timeout = '5s';`,
    `DO $$`,
    `BEGIN`,
    `  IF EXISTS (SELECT FROM ${T} WHERE ${pending}) THEN`,
    `    RAISE EXCEPTION '${sqlString(`${disp}.${m.dst} is not fully backfilled: CALL ${proc}() first`)}';`,
    `  END IF;`,
    `END;`,
    `$$;`,
    ...(m.notNull ? [`ALTER TABLE ${T} VALIDATE CONSTRAINT ${check};`] : []),
    `DROP TRIGGER ${trg} ON ${T};`,
    `DROP FUNCTION ${fn}();`,
    `DROP PROCEDURE ${proc}(integer);`,
    // the validated check lets SET NOT NULL skip its scan (PostgreSQL 12+)
    ...notNullFinal,
    ...(m.default !== null ? [`ALTER TABLE ${T} ALTER COLUMN ${dst} SET DEFAULT ${m.default};`] : []),
    `-- The old column goes now: its values live on in ${m.dst}.`,
    `-- dbe-ignore destructive-change`,
    `ALTER TABLE ${T} DROP COLUMN ${src};`,
    ...(m.takeName ? [`ALTER TABLE ${T} RENAME COLUMN ${dst} TO ${src};`] : []),
    // the old indexes went with the old column; for a type change the new ones take their names
    ...(m.takeName ? rebuilt.map((r) => `ALTER INDEX ${indexRef(t, r.name)} RENAME TO ${ident(r.def.name)};`) : []),
  ];
  // The rollback of the switch: the state after step 2 (old column filled again, sync and procedure back).
  const oldCheck = ident(fit(`${t.table.name}_${m.src}_not_null`));
  const fin = ident(finalName);
  const switchDown = [
    `-- Puts ${disp}.${m.src} (${m.srcType}) back beside ${m.dst}, filled from it, with the sync trigger.`,
    `-- The copy back is one pass over the table, and fails if a value no longer fits ${m.srcType}.`,
    ...(m.default !== null ? [`ALTER TABLE ${T} ALTER COLUMN ${fin} DROP DEFAULT;`] : []),
    ...(m.notNull ? [`ALTER TABLE ${T} ALTER COLUMN ${fin} DROP NOT NULL;`] : []),
    ...(m.takeName ? rebuilt.map((r) => `ALTER INDEX ${indexRef(t, r.def.name)} RENAME TO ${ident(r.name)};`) : []),
    ...(m.takeName ? [`ALTER TABLE ${T} RENAME COLUMN ${src} TO ${dst};`] : []),
    `ALTER TABLE ${T} ADD COLUMN ${src} ${m.srcType};`,
    `UPDATE ${T} SET ${src} = ${dst} WHERE ${dst} IS NOT NULL;`,
    ...(rebuilt.length ? [`-- The old indexes again (a rollback: built inside its transaction, blocking writes meanwhile).`] : []),
    ...rebuilt.flatMap((r) => [`-- dbe-ignore create-index-non-concurrently`, indexSql(t, r.def, r.def.name, m.src, m.src, false)]),
    ...(m.notNull
      ? [
          `ALTER TABLE ${T} ADD CONSTRAINT ${oldCheck} CHECK (${src} IS NOT NULL) NOT VALID;`,
          `ALTER TABLE ${T} VALIDATE CONSTRAINT ${oldCheck};`,
          `ALTER TABLE ${T} ALTER COLUMN ${src} SET NOT NULL;`,
          `ALTER TABLE ${T} DROP CONSTRAINT ${oldCheck};`,
          addCheck,
        ]
      : []),
    ...(m.default !== null ? [`ALTER TABLE ${T} ALTER COLUMN ${src} SET DEFAULT ${m.default};`] : []),
    ...syncSql,
    ...procSql,
  ];
  return {
    expand,
    undo: [`DROP TRIGGER IF EXISTS ${trg} ON ${T};`, `DROP FUNCTION IF EXISTS ${fn}();`, `ALTER TABLE ${T} DROP COLUMN IF EXISTS ${dst};`].join('\n'),
    inverse: m.takeName
      // ALTER TABLE t ALTER COLUMN src TYPE ... (alone)
      ? (s) => s.kind === 'AlterTableStmt' && sameTable(t, s.node?.relation) && s.node?.cmds?.length === 1
        && s.node.cmds[0].AlterTableCmd?.subtype === 'AT_AlterColumnType' && s.node.cmds[0].AlterTableCmd.name === m.src
      // ALTER TABLE t RENAME COLUMN dst TO src
      : (s) => s.kind === 'RenameStmt' && s.node?.renameType === 'OBJECT_COLUMN' && sameTable(t, s.node.relation)
        && s.node.subname === m.dst && s.node.newname === m.src,
    later: [backfill, ...rebuilt.map((r, i) => ({
      title: `Index ${r.name}`,
      up: [
        comment(`Step ${3 + i} of ${total} (index): ${r.def.name} again, on ${m.dst}, built without blocking writes. CONCURRENTLY cannot run inside a transaction: this migration runs outside one.`),
        indexSql(t, r.def, r.name, m.src, m.dst, true),
      ].join('\n'),
      down: `DROP INDEX CONCURRENTLY IF EXISTS ${indexRef(t, r.name)};`,
      nonTransactional: true,
    })), {
      title: m.takeName ? `Switch ${disp}.${m.src} to ${m.dstType}` : `Contract: drop ${disp}.${m.src}`,
      up: switchUp.join('\n'),
      down: switchDown.join('\n'),
    }],
  };
}

/** Text as `--` comment lines of at most about 100 characters. */
function comment(text: string): string {
  const lines: string[] = [];
  let cur = '--';
  for (const w of text.split(/\s+/)) {
    if (cur.length + 1 + w.length > 100 && cur !== '--') { lines.push(cur); cur = '--'; }
    cur += ' ' + w;
  }
  lines.push(cur);
  return lines.join('\n');
}

function sqlString(s: string): string { return s.replace(/'/g, "''"); }

/** A fresh column name beside the table's columns. */
function freshColumn(table: Table, base: string): string {
  let name = fit(base);
  for (let i = 2; table.columns.has(name); i++) name = numbered(base, i);
  return name;
}

/** The fix: the statement replaced by the expand step, the later steps placed as migrations. */
function toFix(t: Target, title: string, steps: Steps, why: Why): Fix | undefined {
  const stmt = t.ctx.stmt;
  // step 1 replaces the statement: never in a migration that has already run (the databases where it
  // ran keep what it did, and the file would lie about them)
  if (isAppliedMigration(t.ctx.files(), t.ctx.file)) return no(why, 'this migration has already run, and a fix edits only the migration being written (the newest)');
  const plans: MigrationPlan[] = steps.later.map((s) => ({ ...s, anchor: stmt }));
  const placed = placeMigrations(t.ctx.files(), plans);
  const replace = (text: string): TextEdit => ({ path: stmt.file.path, start: stmt.start, end: stmt.end, newText: text });
  if (placed.length === 1 && placed[0].mode === 'inline') {
    // no convention: every step right here, the later ones in their own transactions
    if (explicitTransaction(t.ctx)) return no(why, 'the statement is inside an explicit transaction block, and the later steps must run in transactions of their own');
    // CONCURRENTLY (an index step) cannot run in a file the migration tool wraps in a transaction
    if (t.ctx.inTransaction && steps.later.some((s) => s.nonTransactional)) return no(why, 'the file runs inside a transaction, where the index on the new column cannot be built CONCURRENTLY');
    const wrap = !t.ctx.inTransaction;
    const later = steps.later.map((s, i) => (wrap && i === steps.later.length - 1 ? `BEGIN;\n${s.up}\nCOMMIT;` : s.up));
    return { title, edits: [replace([steps.expand, ...later].join('\n\n'))] };
  }
  return { title, edits: [replace(steps.expand), ...downEdits(t, steps), ...placed.flatMap((p) => p.edits)] };
}

const sameTable = (t: Target, rv: Node | undefined) =>
  !!rv?.relname && rv.relname === t.table.name && (rv.schemaname ?? t.table.schema) === t.table.schema;

/** The down migration paired with the statement's file (golang-migrate `.down.sql`, Diesel `down.sql`). */
function downFileOf(t: Target) {
  const p = t.ctx.file.path;
  const down = /\.up\.sql$/i.test(p) ? p.replace(/\.up\.sql$/i, '.down.sql') : /([\\/])up\.sql$/i.test(p) ? p.replace(/up\.sql$/i, 'down.sql') : undefined;
  return down ? t.ctx.files().find((f) => f.path === down) : undefined;
}

/**
 * The expand step replaces the original statement, so the paired down migration must undo the expand
 * step instead: its statement that undid the original one is replaced (or, when there is none, the undo
 * goes first, as down migrations undo the newest change first).
 */
function downEdits(t: Target, steps: Steps): TextEdit[] {
  const down = downFileOf(t);
  if (!down) return [];
  const inv = down.statements.find(steps.inverse);
  if (inv) return [{ path: down.path, start: inv.start, end: inv.end, newText: steps.undo }];
  return [{ path: down.path, start: 0, end: 0, newText: `${steps.undo}\n` }];
}

/**
 * The expand/contract fix of `ALTER TABLE t ALTER COLUMN c TYPE ...`, or undefined when the schema
 * does not know enough (see the rule's notes).
 */
export function typeChangeFix(ctx: StatementContext, table: Table | undefined, cmd: Node): Fix | undefined {
  const n = ctx.node;
  if (!table || ctx.runner.down || (n.cmds ?? []).length !== 1) return undefined;
  const t: Target = { ctx, table, rv: n.relation };
  const col = table.columns.get(cmd.name);
  if (columnObstacle(t, col, cmd.name) || !col) return undefined;
  const def: Node = cmd.def.ColumnDef;
  if (def.collClause) return undefined;
  const typeStart = ctx.offset(def.typeName.location);
  const toks = fileTokens(ctx.stmt);
  // the new type as written: from its first token to USING (or the end of the statement)
  const ti = tokenIndexAt(toks, typeStart);
  let u = ti;
  while (u < toks.length && !['using', ';'].includes(toks[u].text.toLowerCase())) u++;
  if (ti < 0 || u === ti) return undefined;
  const dstType = ctx.file.text.slice(toks[ti].start, toks[u - 1].end);
  const dst = freshColumn(table, `${cmd.name}_new`);
  let fromNew = `NEW.${ident(cmd.name)}`, fromRow = ident(cmd.name);
  if (def.raw_default) {
    // USING expr: the backfill uses it as written, the trigger with each column read from NEW
    if (toks[u]?.text.toLowerCase() !== 'using') return undefined;
    let e = toks.length - 1;
    while (e > u && toks[e].text === ';') e--;
    const exprStart = toks[u + 1].start, exprEnd = toks[e].end;
    const refs: number[] = [];
    let ok = true;
    walk(def.raw_default, (kind, node) => {
      if (kind === 'SubLink' || kind === 'SelectStmt') ok = false;
      if (kind === 'ColumnRef') {
        const f = strings(node.fields);
        if (f.length !== 1 || !table.columns.has(f[0])) ok = false;
        else refs.push(ctx.offset(node.location));
      }
    });
    if (!ok || refs.length === 0) return undefined;
    const text = ctx.file.text;
    fromRow = text.slice(exprStart, exprEnd);
    let out = '', at = exprStart;
    for (const r of refs.sort((a, b) => a - b)) { out += text.slice(at, r) + 'NEW.'; at = r; }
    fromNew = out + text.slice(at, exprEnd);
  }
  const dflt = col.hasDefault ? currentDefault(t, cmd.name) : null;
  if (dflt === undefined || (col.hasDefault && dflt === null)) return undefined;
  const disp = displayOf(t);
  const steps = columnSteps(t, {
    src: cmd.name, dst, dstType, srcType: col.typeText, fromNew, fromRow, twoWay: false, takeName: true, notNull: col.notNull, default: dflt,
  }, `${disp}.${cmd.name} changes to ${dstType}`);
  const fix = toFix(t, `Change ${disp}.${cmd.name} online: add ${dst} ${dstType}, sync and backfill it in batches, then switch`, steps, {});
  return fix && parsesAll(fix) ? fix : undefined;
}

/** The expand/contract fix of `ALTER TABLE t RENAME COLUMN a TO b`. */
export function columnRenameFix(ctx: StatementContext, table: Table | undefined, from: string, to: string, why: Why = {}): Fix | undefined {
  if (!table) return no(why, 'the project does not know the table');
  if (table.columns.has(to)) return no(why, `the table already has a column ${to}`);
  const t: Target = { ctx, table, rv: ctx.node.relation };
  const col = table.columns.get(from);
  const obstacle = columnObstacle(t, col, from);
  if (obstacle || !col) return no(why, obstacle ?? 'the project does not know the column');
  const dflt = col.hasDefault ? currentDefault(t, from) : null;
  if (dflt === undefined || (col.hasDefault && dflt === null)) return no(why, 'the text of the column\'s default cannot be found');
  const disp = displayOf(t);
  const steps = columnSteps(t, {
    src: from, dst: to, dstType: col.typeText, srcType: col.typeText, fromNew: `NEW.${ident(from)}`, fromRow: ident(from),
    twoWay: true, takeName: false, notNull: col.notNull, default: dflt,
  }, `${disp}.${from} is renamed to ${to}`);
  const fix = toFix(t, `Rename ${disp}.${from} online: add ${to} with a two-way sync trigger, backfill it in batches, drop ${from} in a later release`, steps, why);
  return fix && parsesAll(fix) ? fix : undefined;
}

/** The expand/contract fix of `ALTER TABLE t RENAME TO u`: the rename plus a compatibility view. */
export function tableRenameFix(ctx: StatementContext, table: Table | undefined, to: string, why: Why = {}): Fix | undefined {
  if (!table || table.columns.size === 0) return no(why, 'the project does not know the table\'s columns (the compatibility view must list them)');
  if (table.kind !== 'table') return no(why, 'not a plain table');
  if (ctx.schema.table(ctx.node.relation.schemaname ?? table.schema, to)) return no(why, `a table or view ${to} already exists`);
  const t: Target = { ctx, table, rv: ctx.node.relation };
  const old = tableSql(t);
  const renamed = t.rv.schemaname ? `${ident(t.rv.schemaname)}.${ident(to)}` : ident(to);
  const disp = displayOf(t);
  const inline = placesInline(ctx.files());
  const cols = [...table.columns.keys()].map(ident).join(', ');
  const view = `CREATE VIEW ${old} AS SELECT ${cols} FROM ${renamed};`;
  const steps: Steps = {
    undo: [`DROP VIEW IF EXISTS ${old};`, `ALTER TABLE ${renamed} RENAME TO ${ident(t.rv.relname)};`].join('\n'),
    inverse: (s) => s.kind === 'RenameStmt' && s.node?.renameType === 'OBJECT_TABLE' && s.node.relation?.relname === to
      && (s.node.relation.schemaname ?? table.schema) === (t.rv.schemaname ?? table.schema) && s.node.newname === t.rv.relname,
    expand: [
      comment(`Step 1 of 2 (expand): ${disp} is renamed to ${to}; until running code has moved over, a view under the old name keeps it working. A view this simple is updatable: INSERT, UPDATE and DELETE through it reach ${to}. Keep both statements in one transaction.`),
      `ALTER TABLE ${old} RENAME TO ${ident(to)};`,
      view,
      comment(`To undo this step: DROP VIEW ${old}; ALTER TABLE ${renamed} RENAME TO ${ident(t.rv.relname)};`),
    ].join('\n'),
    later: [{
      title: `Drop compatibility view ${disp}`,
      up: `${comment(`Step 2 of 2 (contract), for a later release: keep this ${inline ? 'step' : 'file'} out of the release that renames the table, and deploy it once no running code uses ${disp}.`)}\nDROP VIEW ${old};`,
      down: view,
    }],
  };
  const fix = toFix(t, `Rename ${disp} online: rename to ${to} with a compatibility view ${disp}, dropped in a later release`, steps, why);
  return fix && parsesAll(fix) ? fix : undefined;
}

/** Every statement the fix writes parses (PL/pgSQL bodies included); a safety net, never expected to fail. */
function parsesAll(fix: Fix): boolean {
  return fix.edits.every((e) => e.path.endsWith('.toml') || e.path.endsWith('.conf') || !parseSqlText(e.newText));
}

function parseSqlText(text: string): string | undefined {
  for (const s of splitStatements(text).statements) {
    const p = parseStatement(s.text);
    if (p.error) return p.error.message;
  }
  return undefined;
}
