// The chat context of a MySQL / MariaDB file: the dialect named in one line, and the tables the file
// refers to written as MySQL DDL (what SHOW CREATE TABLE would print, from the shared schema model and
// its MySQL facts), so the model reads the schema in the dialect it must answer in.
import type { Statement } from '../model';
import type { Column, Index, Schema, Table } from '../schema';
import { lex } from '../dialects/mysql/lex';
import { withoutComments } from './sql-text';
import type { DialectChoice } from '../dialects/types';

/** "Dialect: MySQL 8 (\"dialect\" in .dbe.json)": the first line of a MySQL file's context. */
export function dialectLine(d: DialectChoice): string {
  const name = d.id === 'mariadb' ? 'MariaDB' : 'MySQL 8';
  return `Dialect: ${name} (${d.why}). Answer with ${d.id === 'mariadb' ? 'MariaDB' : 'MySQL'} syntax and tools, not PostgreSQL's.`;
}

/**
 * Tables (and views) the statements name, in order of first mention: every identifier (plain or
 * `backticked`, `db`.`name` too) that names a table of the schema. A column that happens to share a
 * table's name adds that table: more context, never less.
 */
export function mysqlReferencedTables(schema: Schema, statements: Statement[]): Table[] {
  const out: Table[] = [];
  const seen = new Set<string>();
  for (const st of statements) {
    const toks = lex(st.text).tokens;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (t.kind !== 'word' && t.kind !== 'quoted') continue;
      let table: Table | undefined;
      const dot = toks[i + 1], next = toks[i + 2];
      if (dot?.kind === 'op' && dot.value === '.' && next && (next.kind === 'word' || next.kind === 'quoted')) {
        table = schema.table(t.value.toLowerCase(), next.value.toLowerCase());
        if (table) i += 2;
      }
      table ??= schema.table(undefined, t.value.toLowerCase());
      if (table && !seen.has(table.key)) { seen.add(table.key); out.push(table); }
    }
  }
  return out;
}

const q = (name: string) => '`' + name.replace(/`/g, '``') + '`';
const qs = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

function tableName(t: Table): string {
  return t.schema && t.schema !== 'public' ? `${q(t.schema)}.${q(t.name)}` : q(t.name);
}

function refName(key: string): string {
  const [db, ...rest] = key.split('.');
  return db === 'public' ? q(rest.join('.')) : `${q(db)}.${q(rest.join('.'))}`;
}

function columnDdl(c: Column): string {
  const my = c.mysql ?? {};
  const bits = [`  ${q(my.name ?? c.name)} ${c.typeText || c.type}`];
  if (my.unsigned && !/\bunsigned\b/i.test(c.typeText)) bits.push('UNSIGNED');
  if (my.zerofill && !/\bzerofill\b/i.test(c.typeText)) bits.push('ZEROFILL');
  if (my.charset) bits.push(`CHARACTER SET ${my.charset}`);
  if (my.collation) bits.push(`COLLATE ${my.collation}`);
  if (my.generated) bits.push(`/* generated column, ${my.generated.toUpperCase()} */`);
  bits.push(c.notNull ? 'NOT NULL' : 'NULL');
  if (my.default !== undefined) bits.push(`DEFAULT ${oneLine(withoutComments(my.default, true), 120)}`);
  else if (c.hasDefault && !my.autoIncrement && !my.generated) bits.push('DEFAULT /* set */');
  if (my.onUpdate) bits.push(`ON UPDATE ${my.onUpdate}`);
  if (my.autoIncrement) bits.push('AUTO_INCREMENT');
  if (my.comment) bits.push(`COMMENT ${qs(oneLine(my.comment, 120))}`);
  return bits.join(' ');
}

function keyDdl(ix: Index): string {
  const parts = ix.columns.map((c, i) => {
    const prefix = ix.mysql?.prefix?.[i];
    const el = c === null ? `(${ix.exprs[i] || 'expression'})` : q(c) + (prefix ? `(${prefix})` : '');
    return el + (ix.desc?.[i] ? ' DESC' : '');
  }).join(', ');
  const kind = ix.method === 'fulltext' ? 'FULLTEXT KEY' : ix.method === 'spatial' ? 'SPATIAL KEY' : ix.unique ? 'UNIQUE KEY' : 'KEY';
  return `  ${kind} ${q(ix.name)} (${parts})${ix.method === 'hash' ? ' USING HASH' : ''}`;
}

/** One table as MySQL DDL (views as CREATE VIEW), with the indexes InnoDB made for foreign keys marked. */
export function renderMySqlTable(schema: Schema, t: Table): string {
  if (t.kind !== 'table') return `CREATE VIEW ${tableName(t)} AS ${t.definition ? oneLine(t.definition, 400) : '/* definition not known */'};`;
  const lines: string[] = [];
  const notes: string[] = [];
  for (const c of t.columns.values()) lines.push(columnDdl(c));
  if (t.primaryKey) lines.push(`  PRIMARY KEY (${t.primaryKey.columns.map(q).join(', ')})`);
  for (const ix of schema.indexesOf(t)) {
    if (ix.constraint === 'primary') continue;
    lines.push(keyDdl(ix));
    if (ix.mysql?.forForeignKey) notes.push(`-- ${ix.name}: created by InnoDB for the foreign key`);
  }
  for (const fk of t.foreignKeys) {
    lines.push(`  ${fk.name ? `CONSTRAINT ${q(fk.name)} ` : ''}FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${refName(fk.refTable)}${fk.refColumns.length ? ` (${fk.refColumns.map(q).join(', ')})` : ''}`);
  }
  for (const ck of t.checks) if (ck.text) lines.push(`  ${ck.name ? `CONSTRAINT ${q(ck.name)} ` : ''}CHECK (${oneLine(ck.text, 200)})`);
  const opts: string[] = [];
  const my = t.mysql;
  if (my?.engine) opts.push(`ENGINE=${my.engine}`);
  if (my?.charset) opts.push(`DEFAULT CHARSET=${my.charset}`);
  if (my?.collation) opts.push(`COLLATE=${my.collation}`);
  for (const [k, v] of Object.entries(my?.options ?? {})) {
    if (['ENGINE', 'CHARSET', 'CHARACTER SET', 'DEFAULT CHARSET', 'DEFAULT CHARACTER SET', 'COLLATE', 'DEFAULT COLLATE', 'AUTO_INCREMENT'].includes(k)) continue;
    opts.push(`${k}=${oneLine(v, 120)}`);
  }
  const head = `CREATE ${my?.temporary ? 'TEMPORARY ' : ''}TABLE ${tableName(t)} (`;
  const tail = `)${opts.length ? ' ' + opts.join(' ') : ''}${t.partitioned ? ' /* partitioned */' : ''};`;
  const unknown = t.columnsUnknown ? ['-- not every column of this table is known to DB Engineer'] : [];
  return [...unknown, head, lines.join(',\n'), tail, ...notes].join('\n');
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}
