// describe_table: one table of the replayed schema, whole
import type { Project } from '../../engine/project';
import type { Column, Index, Schema, Table } from '../../schema';
import { createdWhere, displayName, familyLabel, familySchemas, findTable, parseName, suggestions, whereOf } from '../schema-view';
import type { ToolContext, ToolResult, ToolSpec } from '../tool';

interface DescribeInput { table: string }

async function run(input: DescribeInput, ctx: ToolContext): Promise<ToolResult> {
  const asked = input.table.trim();
  if (!asked) return bad('"table" is empty: give a table name such as public.orders');
  if (!parseName(asked)) return bad(`"${asked.slice(0, 200)}" is not a table name (expected name, schema.name, or "Quoted Name")`);
  const schemas = familySchemas(ctx.project);
  const found = findTable(schemas, asked);
  if (!found) {
    const near = suggestions(schemas, asked);
    const count = schemas.reduce((n, s) => n + s.schema.tables.size, 0);
    const hint = near.length ? `; did you mean ${near.join(', ')}?`
      : count ? `. The project has ${count} table${count === 1 ? '' : 's'} and views: call list_tables to see them.`
      : '. The project has no tables: its migrations create none.';
    return { text: `describe_table: no table or view ${asked.slice(0, 200)} in the project's schema${hint}`, summary: `describe_table: no table ${asked.slice(0, 80)}`, isError: true, data: { suggestions: near } };
  }
  const { table: t, schema, family } = found;
  const w = (loc: Parameters<typeof whereOf>[1]) => whereOf(ctx, loc);
  const my = family === 'mysql';
  const lines: string[] = [];
  const kind = t.kind === 'table' ? 'Table' : t.kind === 'view' ? 'View' : 'Materialized view';
  lines.push(`${kind} ${displayName(t.key, family)}${schemas.length > 1 ? ` (${familyLabel(family)})` : ''}${t.partitioned ? ' (partitioned)' : ''}${t.partitionOf ? ` partition of ${t.partitionOf}` : ''}, ${createdWhere(ctx, t.loc)}.`);
  const renamed = schema.renames.filter((r) => r.kind === 'relation' && r.table === t);
  for (const r of renamed) lines.push(`Renamed from ${r.from} to ${r.to} at ${w(r.loc)}.`);
  if (t.kind !== 'table' && t.definition) lines.push(`Definition: ${oneLine(t.definition, 1500)}`);
  if (t.columnsUnknown) lines.push('Not every column is known to DB Engineer (a view over *, CREATE TABLE AS, LIKE, or a relation it does not know).');
  if (my && t.mysql) {
    const o = t.mysql;
    const bits = [o.engine ? `ENGINE=${o.engine}` : '', o.charset ? `CHARSET=${o.charset}` : '', o.collation ? `COLLATE=${o.collation}` : '', o.temporary ? 'TEMPORARY' : '', o.options?.COMMENT ? `COMMENT ${o.options.COMMENT}` : ''].filter(Boolean);
    if (bits.length) lines.push(`Options: ${bits.join(' ')}`);
  }
  const colRenames = new Map<string, string[]>();
  for (const r of schema.renames) if (r.kind === 'column' && r.table === t) colRenames.set(r.to, [...(colRenames.get(r.to) ?? []), `renamed from ${r.from} at ${w(r.loc)}`]);
  lines.push(`Columns (${t.columns.size}):`);
  for (const c of t.columns.values()) lines.push(`  ${columnLine(ctx.project, c, my)} — ${w(c.loc)}${c.typeLoc && w(c.typeLoc) !== w(c.loc) ? `; type set at ${w(c.typeLoc)}` : ''}${colRenames.has(c.name) ? `; ${colRenames.get(c.name)!.join('; ')}` : ''}`);
  if (t.kind === 'table') lines.push(t.primaryKey ? `Primary key${t.primaryKey.name && t.primaryKey.name !== 'PRIMARY' ? ` ${t.primaryKey.name}` : ''}: (${t.primaryKey.columns.join(', ')}) — ${w(t.primaryKey.loc)}` : 'Primary key: none');
  const indexes = schema.indexesOf(t);
  const uniques = indexes.filter((ix) => ix.constraint === 'unique');
  if (uniques.length) {
    lines.push('Unique constraints:');
    for (const ix of uniques) lines.push(`  ${ix.name}: UNIQUE (${ix.columns.map((c, i) => c ?? ix.exprs[i]).join(', ')}) — ${w(ix.loc)}`);
  }
  const plain = indexes.filter((ix) => ix.constraint !== 'primary' && ix.constraint !== 'unique');
  if (plain.length) {
    lines.push('Indexes:');
    for (const ix of plain) lines.push(`  ${ix.name}: ${indexDefinition(ctx.project, ix, t, my)} — ${w(ix.loc)}${ix.mysql?.forForeignKey ? ' (made by InnoDB for a foreign key)' : ''}`);
  } else if (t.kind === 'table') lines.push(`Indexes: none${t.primaryKey || uniques.length ? ' besides the keys above' : ''}`);
  if (t.foreignKeys.length) {
    lines.push('Foreign keys (this table references):');
    for (const fk of t.foreignKeys) lines.push(`  ${fk.name ? `${fk.name}: ` : ''}(${fk.columns.join(', ')}) → ${displayName(fk.refTable, family)}${fk.refColumns.length ? ` (${fk.refColumns.join(', ')})` : ''}${fk.notValid ? ' NOT VALID' : ''} — ${w(fk.loc)}`);
  }
  const incoming = referencing(schema, t);
  if (incoming.length) {
    lines.push('Referenced by:');
    for (const { from, fk } of incoming) lines.push(`  ${displayName(from.key, family)} (${fk.columns.join(', ')}) → (${fk.refColumns.join(', ') || 'its primary key'})${fk.name ? ` [${fk.name}]` : ''} — ${w(fk.loc)}`);
  }
  if (t.checks.length) {
    lines.push('Checks:');
    for (const ck of t.checks) {
      const text = ck.text || checkText(ctx.project, ck.loc);
      lines.push(`  ${ck.name ? `${ck.name}: ` : ''}${text ? (/^\s*check\b/i.test(text) ? oneLine(text, 300) : `CHECK (${oneLine(text, 300)})`) : 'CHECK (text not known)'} — ${w(ck.loc)}`);
    }
  }
  return {
    text: lines.join('\n'),
    summary: `described ${displayName(t.key, family)}: ${t.columns.size} column${t.columns.size === 1 ? '' : 's'}, ${indexes.length} index${indexes.length === 1 ? '' : 'es'}`,
    data: {
      name: displayName(t.key, family), kind: t.kind, family,
      columns: [...t.columns.values()].map((c) => ({ name: c.mysql?.name ?? c.name, type: typeOf(c), notNull: c.notNull, default: defaultOf(ctx.project, c) ?? null, identity: c.identity, at: w(c.loc) })),
      primaryKey: t.primaryKey?.columns ?? null,
      indexes: indexes.map((ix) => ({ name: ix.name, definition: indexDefinition(ctx.project, ix, t, my), at: w(ix.loc) })),
      foreignKeys: t.foreignKeys.map((fk) => ({ columns: fk.columns, refTable: fk.refTable, refColumns: fk.refColumns })),
      referencedBy: incoming.map(({ from, fk }) => ({ table: from.key, columns: fk.columns })),
    },
  };
}

function bad(msg: string): ToolResult {
  return { text: `describe_table: ${msg}.`, summary: `describe_table: ${msg}`, isError: true };
}

function referencing(schema: Schema, t: Table): { from: Table; fk: Table['foreignKeys'][number] }[] {
  const out: { from: Table; fk: Table['foreignKeys'][number] }[] = [];
  for (const other of schema.tables.values()) for (const fk of other.foreignKeys) {
    if (fk.refTable === t.key || schema.table(...splitKey(fk.refTable)) === t) out.push({ from: other, fk });
  }
  return out;
}

function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('.');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

function typeOf(c: Column): string {
  const t = c.typeText || c.type;
  return t + (c.array && !/\[\]\s*$/.test(t) ? '[]' : '');
}

function columnLine(project: Project, c: Column, my: boolean): string {
  if (c.type === 'unknown' && !c.typeText) return `${c.name} (type not known)`;
  const bits = [`${c.mysql?.name ?? c.name} ${typeOf(c)}`];
  if (my && c.mysql?.unsigned && !/\bunsigned\b/i.test(c.typeText)) bits.push('UNSIGNED');
  if (my && c.mysql?.charset) bits.push(`CHARACTER SET ${c.mysql.charset}`);
  if (my && c.mysql?.collation) bits.push(`COLLATE ${c.mysql.collation}`);
  bits.push(c.notNull ? 'NOT NULL' : 'NULL');
  if (c.mysql?.autoIncrement) bits.push('AUTO_INCREMENT');
  else if (c.identity) bits.push('GENERATED AS IDENTITY');
  else if (c.generated || c.mysql?.generated) bits.push(`GENERATED${c.mysql?.generated ? ` ${c.mysql.generated.toUpperCase()}` : ''}`);
  else if (c.hasDefault) bits.push(/^(small|big)?serial[248]?$/i.test(c.typeText.trim()) ? '(serial: DEFAULT nextval of its sequence)' : `DEFAULT ${defaultOf(project, c) ?? '(set; text not known)'}`);
  if (c.mysql?.onUpdate) bits.push(`ON UPDATE ${c.mysql.onUpdate}`);
  if (c.mysql?.comment) bits.push(`COMMENT '${oneLine(c.mysql.comment, 200).replace(/'/g, "''")}'`);
  return bits.join(' ');
}

/** The DEFAULT expression: MySQL keeps it; PostgreSQL's is read off the column's definition (comments left out). */
function defaultOf(project: Project, c: Column): string | undefined {
  if (c.mysql?.default !== undefined) return oneLine(c.mysql.default, 200);
  if (!c.hasDefault || c.identity || c.generated) return undefined;
  const f = project.getFile(c.loc.path) ?? (project.activeBaseFile()?.path === c.loc.path ? project.activeBaseFile() : undefined);
  if (!f) return undefined;
  const text = f.text;
  let depth = 0, i = c.loc.start, q = '', out = '';
  const limit = Math.min(text.length, c.loc.start + 800);
  for (; i < limit; i++) {
    const ch = text[i];
    if (q) { out += ch; if (ch === q) q = ''; continue; }
    if (ch === '-' && text[i + 1] === '-') { const nl = text.indexOf('\n', i); i = nl < 0 ? limit : nl; out += ' '; continue; }
    if (ch === '/' && text[i + 1] === '*') { const end = text.indexOf('*/', i + 2); i = end < 0 ? limit : end + 1; out += ' '; continue; }
    if (ch === "'" || ch === '"') { q = ch; out += ch; continue; }
    if (ch === '(') depth++;
    else if (ch === ')') { if (depth === 0) break; depth--; }
    else if ((ch === ',' || ch === ';') && depth === 0) break;
    out += ch;
  }
  const m = /\bdefault\s+([\s\S]+?)(?=\s+(?:not\s+null|null|primary\s+key|references|unique|check|constraint|generated|collate)\b|\s*$)/i.exec(out);
  return m ? oneLine(m[1], 200) : undefined;
}

/** CREATE INDEX as written when the replay kept the key text; otherwise rebuilt from the model. */
function indexDefinition(project: Project, ix: Index, t: Table, my: boolean): string {
  const keys = ix.columns.map((c, i) => ix.keyText?.[i]
    ?? ((c ?? `(${ix.exprs[i] || 'expression'})`) + (ix.mysql?.prefix?.[i] ? `(${ix.mysql.prefix[i]})` : '') + (ix.opclasses[i] ? ` ${ix.opclasses[i]}` : '') + (ix.desc?.[i] ? ' DESC' : '') + (ix.nulls?.[i] ? ` NULLS ${ix.nulls[i].toUpperCase()}` : '')));
  if (!ix.keyText && ix.columns.some((c) => c === null)) {
    const src = statementAt(project, ix.loc);
    if (src) return oneLine(src, 500);
  }
  const using = my ? (ix.method && ix.method !== 'btree' ? ` ${ix.method.toUpperCase()}` : '') : ix.method && ix.method !== 'btree' ? ` USING ${ix.method}` : '';
  if (my) return `${using.trim() || (ix.unique ? 'UNIQUE' : '')} KEY ${ix.name} (${keys.join(', ')})`.replace(/^ /, '');
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ix.name} ON ${displayName(t.key)}${using} (${keys.join(', ')})`
    + (ix.include.length ? ` INCLUDE (${ix.include.join(', ')})` : '')
    + (ix.predicate ? ` WHERE ${oneLine(ix.predicateText || ix.predicate, 300)}` : '');
}

function statementAt(project: Project, loc: { path: string; start: number }): string {
  const f = project.getFile(loc.path);
  const st = f?.statements.find((s) => s.start <= loc.start && loc.start < s.end);
  return st ? f!.text.slice(st.start, st.end).replace(/;\s*$/, '') : '';
}

function checkText(project: Project, loc: { path: string; start: number }): string {
  const f = project.getFile(loc.path);
  if (!f) return '';
  const open = f.text.indexOf('(', loc.start);
  if (open < 0 || open - loc.start > 120) return '';
  let depth = 0;
  for (let i = open; i < Math.min(f.text.length, open + 1000); i++) {
    if (f.text[i] === '(') depth++;
    else if (f.text[i] === ')' && --depth === 0) return 'CHECK ' + f.text.slice(open, i + 1);
  }
  return '';
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export const describeTable: ToolSpec = {
  name: 'describe_table',
  title: 'Describe table',
  description: 'Describes one table (or view) of the project\'s replayed schema: columns (type, nullability, default, identity), primary key, unique constraints, indexes with their definitions, foreign keys out and the tables that reference it, checks, and the migration file:line that defined each. Use it before proposing a query, an index or a migration on that table. An unknown name gets the closest names.',
  inputSchema: { type: 'object', properties: { table: { type: 'string', description: 'The table name, optionally schema-qualified (public.orders); quote a mixed-case name as created ("Order Items").' } }, required: ['table'], additionalProperties: false },
  run: async (input, ctx) => run(input as unknown as DescribeInput, ctx),
};
