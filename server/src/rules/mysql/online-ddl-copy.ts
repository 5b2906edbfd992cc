import type { Column, Table } from '../../schema';
import type { Statement } from '../../model';
import { readMySqlDdl, type MyAlterAction, type MyColumnDef, type MySqlDdl } from '../../dialects/mysql/ddl';
import { mysqlTableKey } from '../../dialects/mysql/replay';
import { lex } from '../../dialects/mysql/lex';
import type { Rule, StatementContext } from '../types';
import { tokensOf, up } from './read';

const ddlCache = new WeakMap<Statement, MySqlDdl | null>();
function ddlOf(stmt: Statement): MySqlDdl | undefined {
  let d = ddlCache.get(stmt);
  if (d === undefined) ddlCache.set(stmt, (d = readMySqlDdl(stmt.text) ?? null));
  return d ?? undefined;
}

const INTS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint']);
/** MySQL's own synonyms, so that only a real change of type counts. */
const ALIAS: Record<string, string> = {
  integer: 'int', int1: 'tinyint', int2: 'smallint', int3: 'mediumint', middleint: 'mediumint', int4: 'int', int8: 'bigint', bool: 'tinyint', boolean: 'tinyint',
  dec: 'decimal', numeric: 'decimal', fixed: 'decimal', 'double precision': 'double', real: 'double', float8: 'double', float4: 'float',
  'character varying': 'varchar', 'char varying': 'varchar', nvarchar: 'varchar', 'national varchar': 'varchar', 'nchar varchar': 'varchar',
  'nchar varying': 'varchar', 'national char varying': 'varchar', character: 'char', nchar: 'char', 'national char': 'char', 'national character': 'char',
  'long varchar': 'mediumtext', long: 'mediumtext', 'long varbinary': 'mediumblob',
};
const norm = (b: string) => ALIAS[b] ?? b;

/** A type as written (`int(10) unsigned`, `double precision`): base name, numeric arguments, signedness. */
function readType(text: string): { base: string; args: number[]; unsigned: boolean } {
  const toks = lex(text).tokens;
  const words: string[] = [];
  let i = 0;
  while (i < toks.length && toks[i].kind === 'word' && !['UNSIGNED', 'SIGNED', 'ZEROFILL'].includes(toks[i].upper)) words.push(toks[i++].value.toLowerCase());
  const args: number[] = [];
  if (toks[i]?.value === '(') for (i++; i < toks.length && toks[i].value !== ')'; i++) if (toks[i].kind === 'number') args.push(Number(toks[i].value));
  return { base: norm(words.join(' ')), args, unsigned: toks.some((t) => t.upper === 'UNSIGNED') };
}

/** Why changing `old` to `d` is a data type change MySQL 8 can only do by copying, or undefined (not one, or not sure). */
function typeChange(old: Column, d: MyColumnDef): string | undefined {
  if (old.generated || d.generated || d.generatedExpr !== undefined) return undefined;
  const o = readType(old.typeText);
  const nb = norm(d.baseType);
  const was = old.typeText, now = d.typeText;
  const name = old.mysql?.name ?? old.name;
  if (!o.base || !nb || o.base === 'enum' || o.base === 'set' || nb === 'enum' || nb === 'set') return undefined;
  if (o.base !== nb) return `${name} changes type from ${was} to ${now}`;
  if (INTS.has(nb)) return o.unsigned !== !!d.unsigned ? `${name} changes from ${was} to ${now} (signedness)` : undefined;
  if (nb === 'decimal') {
    const p = (a: number[]) => [a[0] ?? 10, a[1] ?? 0].join(',');
    return p(o.args) !== p(d.typeArgs) ? `${name} changes precision from ${was} to ${now}` : undefined;
  }
  if ((nb === 'varchar' || nb === 'varbinary') && o.args.length === 1 && d.typeArgs.length === 1) {
    const [a] = o.args, [b] = d.typeArgs;
    if (b < a) return `${name} shrinks from ${was} to ${now}`;
    // the length prefix grows from 1 to 2 bytes whatever the character set (1 to 4 bytes a character)
    if ((nb === 'varchar' ? a * 4 : a) < 256 && b >= 256) return `${name} grows from ${was} to ${now}, past 255 bytes (its length prefix grows from 1 to 2 bytes)`;
    return undefined;
  }
  if ((nb === 'char' || nb === 'binary') && (o.args[0] ?? 1) !== (d.typeArgs[0] ?? 1)) return `${name} changes from ${was} to ${now}`;
  return undefined;
}

/** True when the file turns foreign_key_checks off before this statement (then ADD FOREIGN KEY runs in place). */
function fkChecksOff(ctx: StatementContext): boolean {
  let off = false;
  for (const s of ctx.file.statements) {
    if (s === ctx.stmt || s.start >= ctx.stmt.start) break;
    const t = tokensOf(s);
    for (let i = 0; i < t.length; i++) {
      const name = t[i].kind === 'variable' ? t[i].value.replace(/^@@(session\.|global\.)?/i, '').toUpperCase() : up(t[i]);
      if (name === 'FOREIGN_KEY_CHECKS' && t[i + 1]?.value === '=' || name === 'FOREIGN_KEY_CHECKS' && t[i + 1]?.value === ':=') {
        const v = t[i + 2];
        off = !!v && (v.value === '0' || up(v) === 'OFF' || up(v) === 'FALSE');
      }
    }
  }
  return off;
}

/** One operation that blocks writes: 'copy' (ALGORITHM=COPY), 'fk' (COPY unless foreign_key_checks is off), 'locked' (in place, but no concurrent DML). */
interface Copy { why: string; at: { start: number; end: number }; how: 'copy' | 'fk' | 'locked' }

export const rule: Rule = {
  meta: {
    id: 'online-ddl-copy',
    dialects: ['mysql'],
    title: 'ALTER TABLE that MySQL 8 runs by copying the table (writes blocked)',
    category: 'migration',
    severity: 'warning',
    principle: 'Migration Best Practices: "Zero-downtime migrations for production" and "Test migrations on production-like data volumes".',
    rationale:
      'InnoDB changes most things online (ALGORITHM=INSTANT or INPLACE, reads and writes go on), but some changes only ALGORITHM=COPY can make: MySQL builds a new copy of the table row by row and blocks every INSERT, UPDATE and DELETE on it until the copy is done, minutes to hours on a big table. Which operation needs what is listed in "Online DDL Operations" (https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html): changing a column\'s data type, converting the character set, dropping the primary key without adding one, adding a STORED generated column, changing the engine, adding a foreign key while foreign_key_checks is on; adding a FULLTEXT index (the first one also rebuilds the table), a SPATIAL index or an AUTO_INCREMENT column is done in place but with writes blocked too.',
    bad: '-- file: 001_create.sql\nCREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, total INT NOT NULL) ENGINE=InnoDB;\n-- file: 002_widen.sql\nALTER TABLE orders MODIFY total BIGINT NOT NULL;',
    good: '-- file: 001_create.sql\nCREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, total INT NOT NULL) ENGINE=InnoDB;\n-- file: 002_index.sql\nALTER TABLE orders ADD INDEX orders_total (total), ALGORITHM=INPLACE, LOCK=NONE;',
    fixable: false,
    notes:
      'Judged against MySQL 8.0, on ALTER TABLE (and CREATE FULLTEXT / SPATIAL INDEX) of a table an earlier migration created; a table created in the same file is new and empty. An ALTER that states ALGORITHM= or LOCK= is not reported: the server then refuses what it cannot do that way, or the author chose. A type change is a different type, a change of signedness, of DECIMAL precision or CHAR length, a VARCHAR that shrinks or grows past 255 bytes; ENUM / SET changes and integer display widths are not judged. Files read as MariaDB are not judged (its online DDL differs: several of these are instant there). No quick fix: only COPY can make most of these changes; on a big table run them with an online schema change tool (gh-ost, pt-online-schema-change) or in a maintenance window.',
  },
  textFilter: /\b(?:alter|fulltext|spatial)\b/i,
  beforeStatement(ctx) {
    if (ctx.file.dialect.id === 'mariadb' || ctx.stmt.templated) return;
    const d = ddlOf(ctx.stmt);
    if (!d) return;
    let table: Table | undefined;
    const copies: Copy[] = [];
    const at = (start: number, end: number) => ({ start: ctx.stmt.start + start, end: ctx.stmt.start + end });
    if (d.kind === 'create-index') {
      if (d.key.kind !== 'fulltext' && d.key.kind !== 'spatial') return;
      table = ctx.schema.tables.get(mysqlTableKey(ctx.schema, d.table));
      if (!table || /\b(?:algorithm|lock)\s*=?/i.test(ctx.stmt.text.slice(d.key.end))) return;
      copies.push({ why: d.key.kind === 'fulltext' ? fulltextWhy(!hasFulltext(ctx, table)) : 'adding a SPATIAL index', at: at(d.key.start, d.key.end), how: 'locked' });
    } else if (d.kind === 'alter-table') {
      table = ctx.schema.tables.get(mysqlTableKey(ctx.schema, d.table));
      if (!table) return;
      if (d.actions.some((a) => a.kind === 'options' && ('ALGORITHM' in a.options || 'LOCK' in a.options))) return;
      if (d.actions.some((a) => a.kind === 'partition' || a.kind === 'other')) return; // not sure what it does
      const addsPk = d.actions.some((a) => a.kind === 'add-key' && a.key.kind === 'primary');
      let fulltextSeen = hasFulltext(ctx, table);
      for (const a of d.actions) copies.push(...judge(ctx, table, a, addsPk, () => { const was = fulltextSeen; fulltextSeen = true; return was; }));
    } else return;
    if (!table || table.kind !== 'table' || ctx.newTables.has(table.key) || table.createdIn === ctx.file.path) return;
    // InnoDB's online DDL: another engine's table is not judged here (see non-innodb-engine)
    if (table.mysql?.engine && table.mysql.engine.toLowerCase() !== 'innodb' && !copies.some((c) => c.why.startsWith('changing the engine'))) return;
    if (copies.length === 0) return;
    const first = copies[0];
    const all = [...new Set(copies.map((c) => c.why))];
    const how = copies.some((c) => c.how === 'copy') ? 'copy' : copies.some((c) => c.how === 'fk') ? 'fk' : 'locked';
    const what = how === 'locked'
      ? 'MySQL 8 does this in place, but blocks writes to the table until it is done (LOCK=NONE is refused for it)'
      : 'MySQL 8 does this with ALGORITHM=COPY: it copies the whole table and blocks writes to it until done';
    const advice = how === 'fk'
      ? 'With SET foreign_key_checks = 0 before it, the key is added in place without blocking writes (ALGORITHM=INPLACE, LOCK=NONE; existing rows are then not checked: verify them first)'
      : `On a big table use an online schema change tool (gh-ost, pt-online-schema-change) or a maintenance window${how === 'copy' ? '; write ALGORITHM=COPY to say it is meant' : ''}`;
    ctx.report({
      ...first.at,
      message: `${table.name}: ${all.join('; ')}. ${what}. ${advice}.`,
    });
  },
};

function fulltextWhy(first: boolean): string {
  return first ? 'adding the first FULLTEXT index (the table is rebuilt to add its FTS_DOC_ID)' : 'adding a FULLTEXT index';
}

function hasFulltext(ctx: StatementContext, t: Table): boolean {
  for (const ix of ctx.schema.indexes.values()) if (ix.table === t.key && ix.method === 'fulltext') return true;
  return !!t.columns.get('fts_doc_id');
}

function judge(ctx: StatementContext, t: Table, a: MyAlterAction, addsPk: boolean, firstFulltext: () => boolean): Copy[] {
  const at = (start: number, end: number) => ({ start: ctx.stmt.start + start, end: ctx.stmt.start + end });
  switch (a.kind) {
    case 'modify':
    case 'change': {
      const old = t.columns.get((a.kind === 'change' ? a.from : a.column.name).toLowerCase());
      if (!old || !old.mysql) return [];
      const why = typeChange(old, a.column);
      return why ? [{ why: `${why} (a data type change)`, at: at(a.column.start, a.column.typeEnd), how: 'copy' }] : [];
    }
    case 'add-columns': {
      const out: Copy[] = [];
      for (const c of a.columns) {
        if (c.generated === 'stored') out.push({ why: `adding the STORED generated column ${c.name}`, at: at(c.start, c.typeEnd), how: 'copy' });
        else if (c.autoIncrement) out.push({ why: `adding the AUTO_INCREMENT column ${c.name} (the table is rebuilt)`, at: at(c.start, c.typeEnd), how: 'locked' });
      }
      return out;
    }
    case 'convert-charset': {
      const stmt = ctx.stmt;
      const i = stmt.text.search(/\bconvert\b/i);
      return [{ why: `converting the table to character set ${a.charset}`, at: at(Math.max(0, i), Math.max(0, i) + 7), how: 'copy' }];
    }
    case 'drop-primary': {
      if (addsPk) return [];
      const i = ctx.stmt.text.search(/\bdrop\s+primary\b/i);
      return i >= 0 ? [{ why: 'dropping the primary key without adding another in the same statement', at: at(i, i + 16), how: 'copy' }] : [];
    }
    case 'add-key':
      if (a.key.kind === 'fulltext') return [{ why: fulltextWhy(!firstFulltext()), at: at(a.key.start, a.key.end), how: 'locked' }];
      if (a.key.kind === 'spatial') return [{ why: 'adding a SPATIAL index', at: at(a.key.start, a.key.end), how: 'locked' }];
      return [];
    case 'add-foreign':
      if (fkChecksOff(ctx)) return [];
      return [{ why: 'adding a foreign key while foreign_key_checks is on', at: at(a.fk.start, a.fk.end), how: 'fk' }];
    case 'options': {
      const e = a.options.ENGINE;
      const was = t.mysql?.engine ?? 'InnoDB';
      if (e && e.toLowerCase() !== was.toLowerCase()) {
        const i = ctx.stmt.text.search(/\bengine\b/i);
        return [{ why: `changing the engine from ${was} to ${e}`, at: at(Math.max(0, i), Math.max(0, i) + 6), how: 'copy' }];
      }
      return [];
    }
    default:
      return [];
  }
}
