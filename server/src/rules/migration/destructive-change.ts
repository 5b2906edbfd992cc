import { strings } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import { fileTokens } from '../../sql/spans';
import { tableKey } from '../../schema';
import type { Rule, StatementContext } from '../types';
import { alterSegments, displayName, findWords, isNewInFile, q, relationRange, segmentRange, span, statementHead, tableRef } from './util';

const ADVICE = 'remove its use from the code and deploy that first, back the data up, and drop it in a later migration';

/** Token runs of the object names of a DROP TABLE / DROP SCHEMA statement, aligned with node.objects when possible. */
function dropNameRuns(ctx: StatementContext): Token[][] {
  const toks = fileTokens(ctx.stmt);
  // DROP TABLE|SCHEMA [IF EXISTS] name, ...
  let i = 2;
  if (toks[i]?.text.toLowerCase() === 'if' && toks[i + 1]?.text.toLowerCase() === 'exists') i += 2;
  const runs: Token[][] = [];
  let cur: Token[] = [];
  for (; i < toks.length; i++) {
    const w = toks[i].text.toLowerCase();
    if (w === ';' || w === 'cascade' || w === 'restrict') break;
    if (w === ',') { runs.push(cur); cur = []; continue; }
    cur.push(toks[i]);
  }
  if (cur.length) runs.push(cur);
  return runs;
}

function runRange(ctx: StatementContext, runs: Token[][], i: number, count: number): { start: number; end: number } {
  const r = runs.length === count ? runs[i] : undefined;
  return r && r.length ? span(r, 0, r.length - 1) : statementHead(ctx.stmt);
}

function createdSchemaInFile(ctx: StatementContext, name: string): boolean {
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind === 'CreateSchemaStmt' && s.node?.schemaname === name) return true;
  }
  return false;
}

/** True when the column was added by an earlier statement of this file (it holds no data yet). */
function columnAddedInFile(ctx: StatementContext, col: string): boolean {
  const rel = ctx.node.relation;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind !== 'AlterTableStmt' || s.node?.relation?.relname !== rel.relname) continue;
    for (const c of s.node?.cmds ?? []) {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname === col) return true;
    }
  }
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'destructive-change',
    dialects: ['postgres', 'mysql'],
    title: 'Destructive change: DROP TABLE, DROP COLUMN, DROP SCHEMA ... CASCADE or TRUNCATE',
    category: 'migration',
    severity: 'warning',
    principle: 'Special Instructions: "Provide rollback strategies for migrations"',
    rationale:
      'Dropping a table, column or schema, or truncating a table, deletes data that no down migration can bring back, and breaks every running application instance that still reads or writes it. The statements also take an ACCESS EXCLUSIVE lock, so they wait behind long queries and block everything queued after them. Remove usages from the code and deploy that first, keep a backup or archive of the data, and drop in a separate, later migration.',
    bad: 'ALTER TABLE users DROP COLUMN legacy_login;',
    good: '-- after the application stopped using users.legacy_login (deployed earlier):\nALTER TABLE users ALTER COLUMN legacy_login DROP NOT NULL;',
    fixable: false,
    notes:
      'Not reported in down (rollback) migrations, where dropping what the up migration created is the point, nor for tables or columns created earlier in the same file (work tables, and backups made with `CREATE TABLE ... AS` or `SELECT ... INTO`: they held nothing before the migration ran). `DROP ... IF EXISTS` of a table the project never created is not reported. Views and materialized views hold no data of their own and are not reported, nor DROP SCHEMA without CASCADE (it fails unless the schema is empty).',
  },
  beforeStatement(ctx) {
    if (ctx.runner.down) return;
    const n = ctx.node;
    if (ctx.kind === 'DropStmt') {
      const objects: Node[] = n.objects ?? [];
      if (n.removeType === 'OBJECT_TABLE') {
        const runs = dropNameRuns(ctx);
        objects.forEach((o, i) => {
          const names = strings(o.List?.items);
          if (names.length === 0) return;
          const name = names[names.length - 1];
          const schema = names.length > 1 ? names[names.length - 2] : undefined;
          const t = ctx.schema.table(schema, name);
          if (!t && n.missing_ok) return;
          if (t && t.kind !== 'table') return;
          const key = t?.key ?? tableKey(schema, name);
          // a work or backup table this file created (CREATE TABLE, CREATE TABLE AS, SELECT INTO) held
          // nothing before the migration ran: dropping it loses nothing
          if (ctx.newTables.has(key) || isNewInFile(ctx, { relname: name, schemaname: schema })) return;
          ctx.report({
            ...runRange(ctx, runs, i, objects.length),
            message: `DROP TABLE ${q(displayName(schema, name))} deletes its data for good and breaks code still using it; ${ADVICE}.`,
          });
        });
      } else if (n.removeType === 'OBJECT_SCHEMA') {
        const runs = dropNameRuns(ctx);
        objects.forEach((o, i) => {
          const name = o.String?.sval;
          // without CASCADE PostgreSQL refuses to drop a schema that still holds anything
          if (!name || n.behavior !== 'DROP_CASCADE' || createdSchemaInFile(ctx, name)) return;
          const known = [...ctx.schema.tables.values()].some((t) => t.schema === name);
          if (n.missing_ok && !known) return;
          ctx.report({
            ...runRange(ctx, runs, i, objects.length),
            message: `DROP SCHEMA ${q(name)} CASCADE deletes every table in it for good and breaks code still using them; remove their use from the code and deploy that first, back the data up, and drop it in a later migration.`,
          });
        });
      }
      return;
    }
    if (ctx.kind === 'TruncateStmt') {
      for (const r of n.relations ?? []) {
        const rv = r.RangeVar;
        if (!rv || isNewInFile(ctx, rv)) continue;
        const ref = tableRef(ctx, rv);
        if (!ref) continue;
        ctx.report({
          ...relationRange(ctx, rv),
          message: `TRUNCATE ${q(ref.display)} deletes all its rows, which no rollback migration can restore; back the data up first, or DELETE only the rows you mean to remove.`,
        });
      }
      return;
    }
    if (ctx.kind === 'AlterTableStmt') {
      if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
      if (!n.relation || isNewInFile(ctx, n.relation)) return;
      const ref = tableRef(ctx, n.relation);
      if (!ref) return;
      let segs: Token[][] | undefined;
      let computed = false;
      (n.cmds ?? []).forEach((c: Node, i: number) => {
        const cmd = c.AlterTableCmd;
        if (cmd?.subtype !== 'AT_DropColumn' || !cmd.name) return;
        if (ref.table && !ref.table.columns.has(cmd.name) && cmd.missing_ok) return;
        if (columnAddedInFile(ctx, cmd.name)) return;
        if (!computed) { segs = alterSegments(ctx); computed = true; }
        const seg = segs?.[i];
        let range = segmentRange(ctx, segs, i);
        if (seg) {
          const stop = findWords(seg, ['cascade']) >= 0 ? findWords(seg, ['cascade']) : findWords(seg, ['restrict']);
          if (stop > 0) range = span(seg, 0, stop - 1);
        }
        ctx.report({
          ...range,
          message: `Dropping column ${q(ref.display + '.' + cmd.name)} deletes its data for good and breaks code still using it; ${ADVICE}.`,
        });
      });
    }
  },
};
