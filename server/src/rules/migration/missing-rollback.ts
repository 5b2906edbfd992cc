import type { Fix, SourceFile, Statement } from '../../model';
import { baseOf, dirOf } from '../../engine/placement';
import { applyStatement } from '../../replay';
import { Schema, type Table } from '../../schema';
import { strings } from '../../sql/ast';
import { quoteIdent } from '../../sql/ident';
import type { Node } from '../../sql/parse';
import { headRange, typeExtent } from '../../sql/spans';
import { fileOffset } from '../../replay';
import type { Rule, SchemaContext } from '../types';

/**
 * Where the rollback of an up migration goes, when its tool pairs every up with a down and none
 * pairs with this one (engine/conventions.ts pairs them as the tool does: golang-migrate and pop by
 * version number, so `30_add_x.up.sql` is undone by `30_drop_x.down.sql`, and pop's generic
 * `X.down.sql` undoes `X.postgres.up.sql`; Diesel by directory; sqitch by name). Checked only in a
 * migration set that holds at least one down (a golang-migrate project may deliberately keep none).
 * Undefined when the file has its rollback, or its convention keeps none.
 */
function expectedDown(files: readonly SourceFile[], f: SourceFile, sets: Map<string, boolean>): string | undefined {
  const m = f.migration;
  if (!m || m.role !== 'up' || m.downFile || !PAIRED.has(m.convention) || m.set === undefined) return undefined;
  const k = `${m.convention}\u0000${m.set}`;
  let some = sets.get(k);
  if (some === undefined) {
    some = files.some((x) => x.migration?.role === 'down' && x.migration.convention === m.convention && x.migration.set === m.set);
    sets.set(k, some);
  }
  if (!some) return undefined;
  const keepCase = (from: RegExp, to: string) => f.path.replace(from, (x) => (x === x.toUpperCase() ? to.toUpperCase() : to));
  switch (m.convention) {
    case 'golang-migrate': case 'pop': case 'diesel': return keepCase(/up\.sql$/i, 'down.sql');
    case 'sqitch': return f.path.replace(/([\/\\])deploy([\/\\])(?=[^\/\\]*$)/, '$1revert$2');
    default: return undefined;
  }
}

/** Conventions that keep one down file per up file. */
const PAIRED = new Set(['golang-migrate', 'pop', 'diesel', 'sqitch']);

const q = quoteIdent;
function rel(rv: Node | undefined): string {
  if (!rv?.relname) return '?';
  return rv.schemaname ? `${q(rv.schemaname)}.${q(rv.relname)}` : q(rv.relname);
}
function tableName(t: Table): string { return t.schema === 'public' ? q(t.name) : `${q(t.schema)}.${q(t.name)}`; }
function qualified(names: string[]): string { return names.map(q).join('.'); }

/** The statement's text on one line, cut short, for a comment naming it. */
function brief(stmt: Statement): string {
  const t = stmt.text.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > 70 ? `${t.slice(0, 67)}...` : t;
}

/** A CREATE TABLE that rebuilds `t` as the schema knew it (columns, NOT NULL, primary key). */
function recreateTable(t: Table): string {
  const cols = [...t.columns.values()].map((c) => `    ${q(c.name)} ${c.typeText.trim() || c.type}${c.notNull ? ' NOT NULL' : ''}`);
  if (t.primaryKey?.columns.length) cols.push(`    PRIMARY KEY (${t.primaryKey.columns.map(q).join(', ')})`);
  return `CREATE TABLE ${tableName(t)} (\n${cols.join(',\n')}\n);`;
}

/** Argument types of a CREATE FUNCTION as written (IN, INOUT and VARIADIC arguments). */
function argTypes(stmt: Statement, n: Node): string[] | undefined {
  const out: string[] = [];
  for (const p of n.parameters ?? []) {
    const fp = p.FunctionParameter;
    if (!fp) return undefined;
    if (fp.mode === 'FUNC_PARAM_OUT' || fp.mode === 'FUNC_PARAM_TABLE') continue;
    const start = fileOffset(stmt, fp.argType?.location);
    if (fp.argType?.location === undefined) return undefined;
    out.push(stmt.file.text.slice(start, typeExtent(stmt, start)).trim());
  }
  return out;
}

/** Default names PostgreSQL gives unnamed constraints (the common, untruncated case). */
function defaultConstraintName(table: string, k: Node): string | undefined {
  const cols = strings(k.contype === 'CONSTR_FOREIGN' ? k.fk_attrs : k.keys);
  if (k.contype === 'CONSTR_PRIMARY') return `${table}_pkey`;
  if (k.contype === 'CONSTR_FOREIGN' && cols.length) return `${table}_${cols.join('_')}_fkey`;
  if (k.contype === 'CONSTR_UNIQUE' && cols.length) return `${table}_${cols.join('_')}_key`;
  return undefined;
}

/** The statements undoing `stmt` (judged against the schema just before it), or a note that it cannot be. */
function invert(stmt: Statement, before: Schema, sourceOf: (loc: { path: string; start: number; end: number }) => string | undefined): { sql?: string; note?: string } {
  const n = stmt.node;
  if (!n) return {};
  const cannot = (why = 'not undone automatically') => ({ note: `-- ${why}: ${brief(stmt)}` });
  const known = (rv: Node | undefined) => (rv?.relname ? before.table(rv.schemaname, rv.relname) : undefined);
  switch (stmt.kind) {
    case 'TransactionStmt': case 'VariableSetStmt': case 'SelectStmt': return {};
    case 'CreateStmt': {
      // IF NOT EXISTS of a table that was there: nothing was created (a plain CREATE TABLE would have failed)
      if (n.if_not_exists && known(n.relation)) return {};
      return { sql: `DROP TABLE ${rel(n.relation)};` };
    }
    case 'CreateTableAsStmt': {
      const into = n.into?.IntoClause ?? n.into;
      return { sql: `DROP ${n.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE'} ${rel(into?.rel)};` };
    }
    case 'ViewStmt': {
      const old = known(n.view);
      if (old?.definition) return { sql: old.definition.trim().replace(/;?\s*$/, ';').replace(/^create\s+(or\s+replace\s+)?/i, 'CREATE OR REPLACE ') };
      if (old) return cannot('the previous definition is unknown');
      return { sql: `DROP VIEW ${rel(n.view)};` };
    }
    case 'IndexStmt': {
      if (!n.idxname) return cannot('unnamed index: look up its generated name and drop it');
      const name = n.relation?.schemaname ? `${q(n.relation.schemaname)}.${q(n.idxname)}` : q(n.idxname);
      return { sql: `DROP INDEX${n.concurrent ? ' CONCURRENTLY' : ''} IF EXISTS ${name};` };
    }
    case 'CreateSeqStmt': return { sql: `DROP SEQUENCE ${rel(n.sequence)};` };
    case 'CreateSchemaStmt': return n.schemaname ? { sql: `DROP SCHEMA ${q(n.schemaname)};` } : cannot();
    case 'CreateExtensionStmt': return { sql: `DROP EXTENSION ${q(n.extname)};` };
    case 'CreateEnumStmt': return { sql: `DROP TYPE ${qualified(strings(n.typeName))};` };
    case 'CompositeTypeStmt': return { sql: `DROP TYPE ${rel(n.typevar)};` };
    case 'CreateDomainStmt': return { sql: `DROP DOMAIN ${qualified(strings(n.domainname))};` };
    case 'CreateFunctionStmt': {
      if (n.replace) return cannot('CREATE OR REPLACE: the previous version is unknown');
      const args = argTypes(stmt, n);
      if (!args) return cannot();
      return { sql: `DROP ${n.is_procedure ? 'PROCEDURE' : 'FUNCTION'} ${qualified(strings(n.funcname))}(${args.join(', ')});` };
    }
    case 'CreateTrigStmt': return { sql: `DROP TRIGGER ${q(n.trigname)} ON ${rel(n.relation)};` };
    case 'RenameStmt': {
      switch (n.renameType) {
        case 'OBJECT_TABLE': return { sql: `ALTER TABLE ${n.relation?.schemaname ? q(n.relation.schemaname) + '.' : ''}${q(n.newname)} RENAME TO ${q(n.relation?.relname)};` };
        case 'OBJECT_COLUMN': return { sql: `ALTER TABLE ${rel(n.relation)} RENAME COLUMN ${q(n.newname)} TO ${q(n.subname)};` };
        case 'OBJECT_INDEX': return { sql: `ALTER INDEX ${n.relation?.schemaname ? q(n.relation.schemaname) + '.' : ''}${q(n.newname)} RENAME TO ${q(n.relation?.relname)};` };
        case 'OBJECT_TABCONSTRAINT': return { sql: `ALTER TABLE ${rel(n.relation)} RENAME CONSTRAINT ${q(n.newname)} TO ${q(n.subname)};` };
        default: return cannot();
      }
    }
    case 'DropStmt': {
      const out: string[] = [];
      const notes: string[] = [];
      for (const o of n.objects ?? []) {
        const parts = strings(o.List?.items ?? (o.String ? [o] : []));
        const name = parts[parts.length - 1];
        const sch = parts.length > 1 ? parts[parts.length - 2] : undefined;
        if (n.removeType === 'OBJECT_TABLE' || n.removeType === 'OBJECT_VIEW' || n.removeType === 'OBJECT_MATVIEW') {
          const t = name ? before.table(sch, name) : undefined;
          if (t?.kind === 'table') { out.push(`-- ${tableName(t)} is recreated empty: its rows are not restored.`, recreateTable(t)); continue; }
          if (t?.definition) { out.push(t.definition.trim().replace(/;?\s*$/, ';')); continue; }
        } else if (n.removeType === 'OBJECT_INDEX') {
          const ix = [...before.indexes.values()].find((i) => i.name === name && !i.constraint);
          const text = ix && sourceOf(ix.loc);
          if (text && /^\s*create\b/i.test(text)) { out.push(text.trim().replace(/;?\s*$/, ';')); continue; }
        }
        notes.push(`-- not undone automatically (the definition is unknown): DROP of ${parts.join('.')}`);
      }
      return { sql: out.join('\n') || undefined, note: notes.join('\n') || undefined };
    }
    case 'AlterTableStmt': {
      if (n.objtype && n.objtype !== 'OBJECT_TABLE') return cannot();
      const t = known(n.relation);
      const target = rel(n.relation);
      const out: string[] = [];
      const notes: string[] = [];
      for (const c of [...(n.cmds ?? [])].reverse()) {
        const cmd = c.AlterTableCmd;
        if (!cmd) continue;
        const col = cmd.name ? t?.columns.get(cmd.name) : undefined;
        switch (cmd.subtype) {
          case 'AT_AddColumn': {
            const name = cmd.def?.ColumnDef?.colname;
            if (name && !(cmd.missing_ok && t?.columns.has(name))) out.push(`ALTER TABLE ${target} DROP COLUMN ${q(name)};`);
            break;
          }
          case 'AT_DropColumn':
            if (col) out.push(`-- ${target}.${q(col.name)} comes back empty: its values are not restored.`, `ALTER TABLE ${target} ADD COLUMN ${q(col.name)} ${col.typeText.trim() || col.type};`);
            else if (!cmd.missing_ok) notes.push(`-- not undone automatically (its definition is unknown): DROP COLUMN ${cmd.name} on ${target}`);
            break;
          case 'AT_AddConstraint': {
            const k = cmd.def?.Constraint;
            const name = k?.conname ?? (k && n.relation?.relname ? defaultConstraintName(n.relation.relname, k) : undefined);
            if (name) out.push(`ALTER TABLE ${target} DROP CONSTRAINT ${q(name)};`);
            else notes.push(`-- not undone automatically (unnamed constraint): ADD ${k?.contype === 'CONSTR_CHECK' ? 'CHECK' : 'CONSTRAINT'} on ${target}`);
            break;
          }
          case 'AT_DropConstraint': {
            const fk = t?.foreignKeys.find((f) => f.name === cmd.name);
            if (fk) out.push(`ALTER TABLE ${target} ADD CONSTRAINT ${q(cmd.name)} FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${fk.refTable.replace(/^public\./, '').split('.').map(q).join('.')}${fk.refColumns.length ? ` (${fk.refColumns.map(q).join(', ')})` : ''};`);
            else notes.push(`-- not undone automatically (its definition is unknown): DROP CONSTRAINT ${cmd.name} on ${target}`);
            break;
          }
          case 'AT_SetNotNull': out.push(`ALTER TABLE ${target} ALTER COLUMN ${q(cmd.name)} DROP NOT NULL;`); break;
          case 'AT_DropNotNull':
            // The tools that keep rollbacks run a down file in one transaction (Diesel, pop, goose, dbmate)
            // or as one query (golang-migrate): a CHECK ... NOT VALID validated in the same transaction
            // would hold the lock through the scan anyway, so the plain form is written, and said.
            out.push(
              `-- Scans ${target} under an ACCESS EXCLUSIVE lock (and fails if a NULL was written meanwhile).`,
              '-- dbe-ignore set-not-null-on-existing-column',
              `ALTER TABLE ${target} ALTER COLUMN ${q(cmd.name)} SET NOT NULL;`,
            );
            break;
          case 'AT_ColumnDefault':
            if (cmd.def && col && !col.hasDefault) out.push(`ALTER TABLE ${target} ALTER COLUMN ${q(cmd.name)} DROP DEFAULT;`);
            else notes.push(`-- not undone automatically (the previous default is unknown): default of ${target}.${cmd.name}`);
            break;
          case 'AT_AlterColumnType':
            if (col) out.push(`-- The previous type of ${target}.${q(cmd.name)}: like the up migration, this may rewrite the table under an ACCESS EXCLUSIVE lock.`, `ALTER TABLE ${target} ALTER COLUMN ${q(cmd.name)} TYPE ${col.typeText.trim() || col.type};`);
            else notes.push(`-- not undone automatically (the previous type is unknown): TYPE of ${target}.${cmd.name}`);
            break;
          case 'AT_ValidateConstraint': break;
          default: notes.push(`-- not undone automatically: ${brief(stmt)}`);
        }
      }
      return { sql: out.join('\n') || undefined, note: [...new Set(notes)].join('\n') || undefined };
    }
    case 'InsertStmt': case 'UpdateStmt': case 'DeleteStmt': case 'CopyStmt': case 'TruncateStmt':
      return cannot('data change, not undone automatically');
    default:
      return cannot();
  }
}

/** The text of a best-effort rollback of `file`: its DDL undone in reverse order. */
function rollbackOf(file: SourceFile, befores: Map<Statement, Schema>, sourceOf: (loc: { path: string; start: number; end: number }) => string | undefined): string {
  const parts: string[] = [];
  let undone = 0, notes = 0;
  for (const stmt of [...file.statements].reverse()) {
    const before = befores.get(stmt);
    if (!before || !stmt.node) continue;
    const r = invert(stmt, before, sourceOf);
    if (r.note) { parts.push(r.note); notes++; }
    if (r.sql) { parts.push(r.sql); undone++; }
  }
  const head = [
    `-- Rollback of ${baseOf(dirOf(file.path)) && baseOf(file.path).toLowerCase() === 'up.sql' ? `${baseOf(dirOf(file.path))}/up.sql` : baseOf(file.path)}, written by DB Engineer: its statements undone in reverse order.`,
    notes ? `-- Review it: ${notes} statement${notes === 1 ? '' : 's'} could not be undone automatically (named below), and dropped data is not restored.` : '-- Review it: dropped data is not restored.',
  ];
  if (!undone && !notes) parts.push('-- Nothing to undo: the migration changes no schema object.');
  return `${head.join('\n')}\n\n${parts.join('\n')}\n`;
}

export const rule: Rule = {
  meta: {
    id: 'missing-rollback',
    dialects: ['postgres', 'mysql'],
    title: 'Up migration without its down migration',
    category: 'migration',
    severity: 'warning',
    principle: 'Special Instructions: "Provide rollback strategies for migrations", and Data Modeling Principles: "Version control schema changes".',
    rationale:
      'In a project whose tool pairs every up migration with a down migration (golang-migrate, sqlx, Diesel), a missing down file means the change cannot be rolled back with the tool when a deploy goes wrong: someone has to write the inverse SQL by hand, under pressure, against a production database. Writing it with the change, while its intent is fresh, is cheap; it also shows early when a change cannot be undone (dropped data), which is worth knowing before it ships.',
    bad: '-- file: migrations/000001_users.up.sql\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- file: migrations/000001_users.down.sql\nDROP TABLE users;\n-- file: migrations/000002_orders.up.sql (no 000002_orders.down.sql beside it)\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX idx_orders_user_id ON orders (user_id);',
    good: '-- file: migrations/000001_users.up.sql\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- file: migrations/000001_users.down.sql\nDROP TABLE users;\n-- file: migrations/000002_orders.up.sql\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX idx_orders_user_id ON orders (user_id);\n-- file: migrations/000002_orders.down.sql\nDROP INDEX IF EXISTS idx_orders_user_id;\nDROP TABLE orders;',
    fixable: true,
    notes:
      'Checked in migration folders whose tool pairs each up with a down file, paired as the tool pairs them: golang-migrate / sqlx by version number (`30_add_x.up.sql` is undone by `30_drop_x.down.sql`: only the number counts), ory/pop by version with a generic `X.down.sql` serving `X.postgres.up.sql`, Diesel by directory (`<timestamp>_name/up.sql` beside `down.sql`), sqitch by name (`deploy/x.sql` and `revert/x.sql`); and only when the folder already holds at least one down migration (a golang-migrate project may deliberately keep none). goose and dbmate keep the rollback as a section of the same file and are not checked. Empty up migrations (comments only) are not reported. Reported once per up file, at its first statement. The fix creates the down file with a best-effort rollback of the file\'s statements in reverse order: what it creates is dropped (tables, views, indexes, sequences, types, functions with their argument types, triggers, schemas, extensions), added columns and constraints are dropped (unnamed primary, unique and foreign keys by PostgreSQL\'s default names), renames are reversed, SET/DROP NOT NULL and type changes are inverted, and what it drops is recreated when the project knows its definition (tables and columns come back empty). Each statement that cannot be undone automatically (data changes, DO blocks, CREATE OR REPLACE of an unknown earlier version, unknown definitions) is named in a comment. Review the result before relying on it. MySQL: the finding is the same; no rollback is generated (it would be written in PostgreSQL).',
  },
  onSchema(ctx: SchemaContext) {
    const files = ctx.files();
    const have = new Set(files.map((f) => f.path));
    const folders = new Map<string, boolean>();
    const missing: { file: SourceFile; down: string }[] = [];
    for (const f of files) {
      if (f.isDown || f.skipped || !f.statements.some((s) => s.node)) continue;
      const down = expectedDown(files, f, folders);
      if (down && !have.has(down)) missing.push({ file: f, down });
    }
    if (!missing.length) return;
    // the schema just before each statement of the files that need a rollback
    const wanted = new Set(missing.map((m) => m.file));
    const befores = new Map<Statement, Schema>();
    const schema = new Schema();
    const none = new Schema();
    for (const f of files) {
      const want = wanted.has(f);
      for (const s of f.statements) {
        // only these consult what existed before them
        if (want) befores.set(s, s.kind && CONSULTS.has(s.kind) ? snapshot(schema) : none);
        if (f.replayed) applyStatement(schema, s);
      }
    }
    const sourceOf = (loc: { path: string; start: number; end: number }) => ctx.file(loc.path)?.text.slice(loc.start, loc.end);
    for (const { file, down } of missing) {
      const first = file.statements.find((s) => s.node)!;
      // MySQL: the generated rollback is written from PostgreSQL's parse tree: none offered
      const my = file.dialect.family === 'mysql';
      const fix: Fix | undefined = my ? undefined : {
        title: `Create ${baseOf(down)} undoing ${baseOf(file.path)}`,
        edits: [{ path: down, start: 0, end: 0, newText: rollbackOf(file, befores, sourceOf), create: true }],
      };
      const r = headRange(first);
      ctx.report({
        loc: { path: file.path, start: r.start, end: r.end },
        message: `Migration ${baseOf(file.path) === 'up.sql' ? `${baseOf(dirOf(file.path))}/up.sql` : baseOf(file.path)} has no rollback: ${baseOf(down)} is missing beside it; write the statements that undo it (drop what it creates, in reverse order).`,
        fixes: fix ? [fix] : [],
      });
    }
  },
};

const CONSULTS = new Set(['CreateStmt', 'ViewStmt', 'DropStmt', 'AlterTableStmt']);

/** A copy of the schema's tables and indexes as they are now (later statements change the originals). */
function snapshot(s: Schema): Schema {
  const out = new Schema();
  for (const [k, t] of s.tables) {
    out.tables.set(k, { ...t, columns: new Map([...t.columns].map(([n, c]) => [n, { ...c }])), foreignKeys: t.foreignKeys.map((f) => ({ ...f })), primaryKey: t.primaryKey && { ...t.primaryKey } });
  }
  for (const [k, ix] of s.indexes) out.indexes.set(k, { ...ix });
  return out;
}
