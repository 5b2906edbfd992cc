import type { Column, Table } from '../../schema';
import { lex } from '../../dialects/mysql/lex';
import type { Rule } from '../types';
import { foreignKeyLoc } from './util';

/** Canonical types (as the schema records them) by what they are; only these are compared. */
const CANON: Record<string, string> = {
  int2: 'smallint', smallserial: 'smallint', serial2: 'smallint',
  int4: 'integer', serial: 'integer', serial4: 'integer',
  int8: 'bigint', bigserial: 'bigint', serial8: 'bigint',
  numeric: 'numeric', float4: 'real', float8: 'double precision',
  uuid: 'uuid', bool: 'boolean', bytea: 'bytea', date: 'date',
  timestamp: 'timestamp', timestamptz: 'timestamptz', time: 'time', timetz: 'timetz', interval: 'interval',
  text: 'string', varchar: 'string', bpchar: 'string', citext: 'string',
  json: 'json', jsonb: 'jsonb', inet: 'inet', cidr: 'cidr', macaddr: 'macaddr', oid: 'oid', money: 'money',
};
const WIDTH: Record<string, number> = { smallint: 16, integer: 32, bigint: 64 };
const LIMIT: Record<number, string> = { 16: '32,767', 32: '2,147,483,647' };

/** Implicit casts between the canonical kinds above (pg_cast, castcontext 'i'): from>to. */
const IMPLICIT = new Set([
  'smallint>numeric', 'integer>numeric', 'bigint>numeric', 'smallint>real', 'integer>real', 'bigint>real',
  'smallint>double precision', 'integer>double precision', 'bigint>double precision', 'numeric>real', 'numeric>double precision',
  'real>double precision', 'date>timestamp', 'date>timestamptz', 'timestamp>timestamptz', 'time>interval', 'time>timetz', 'cidr>inet',
]);

// ---- MySQL / MariaDB: InnoDB itself refuses a foreign key whose columns are not "similar": integer
// and DECIMAL types of another size or sign, strings of another character set or collation
// (https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html, "Conditions and Restrictions").

const MY_INTS: Record<string, number> = { tinyint: 8, int1: 8, bool: 8, boolean: 8, smallint: 16, int2: 16, mediumint: 24, int3: 24, middleint: 24, int: 32, integer: 32, int4: 32, bigint: 64, int8: 64, serial: 64 };
const MY_STRINGS = new Set(['char', 'varchar', 'character', 'character varying', 'nchar', 'nvarchar', 'national char', 'national varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);

/** A MySQL type as written (`int(10) unsigned`): base name, numeric arguments, signedness. */
function myType(text: string): { base: string; args: number[]; unsigned: boolean } {
  const toks = lex(text).tokens;
  const words: string[] = [];
  let i = 0;
  while (i < toks.length && toks[i].kind === 'word' && !['UNSIGNED', 'SIGNED', 'ZEROFILL'].includes(toks[i].upper)) words.push(toks[i++].value.toLowerCase());
  const args: number[] = [];
  if (toks[i]?.value === '(') for (i++; i < toks.length && toks[i].value !== ')'; i++) if (toks[i].kind === 'number') args.push(Number(toks[i].value));
  return { base: words.join(' '), args, unsigned: toks.some((t) => t.upper === 'UNSIGNED') || /^serial$/i.test(words.join(' ')) };
}

/** A string column's character set and collation: its own, else its table's default; undefined when neither is written. */
function myCharset(c: Column, t: Table): { charset?: string; collation?: string } {
  const charset = (c.mysql?.charset ?? t.mysql?.charset)?.toLowerCase().replace(/^utf8$/, 'utf8mb3');
  const collation = (c.mysql?.collation ?? (c.mysql?.charset ? undefined : t.mysql?.collation))?.toLowerCase().replace(/^utf8_/, 'utf8mb3_');
  return { charset, collation };
}

/** Why InnoDB refuses the pair (referencing c of t, referenced r of parent), '' when it accepts it, undefined when not sure. */
function mySqlProblem(t: Table, c: Column, parent: Table, r: Column): { what: string; fix: string } | '' | undefined {
  const a = myType(c.typeText), b = myType(r.typeText);
  const shownA = `${a.base}${a.unsigned ? ' unsigned' : ''}`, shownB = `${b.base}${b.unsigned ? ' unsigned' : ''}`;
  const ia = MY_INTS[a.base], ib = MY_INTS[b.base];
  if (ia && ib) {
    if (ia === ib && a.unsigned === b.unsigned) return '';
    const why = ia !== ib && a.unsigned !== b.unsigned ? 'size and sign' : ia !== ib ? 'size' : 'sign';
    return { what: `${t.name}.${c.name} is ${shownA} but ${parent.name}.${r.name} is ${shownB}: integer columns of another ${why}`, fix: `make ${t.name}.${c.name} ${shownB}` };
  }
  const dec = (x: string) => x === 'decimal' || x === 'numeric' || x === 'dec' || x === 'fixed';
  if (dec(a.base) && dec(b.base)) {
    const p = (x: number[]) => `${x[0] ?? 10},${x[1] ?? 0}`;
    if (p(a.args) === p(b.args) && a.unsigned === b.unsigned) return '';
    return { what: `${t.name}.${c.name} is ${c.typeText} but ${parent.name}.${r.name} is ${r.typeText}: DECIMAL columns of another precision or sign`, fix: `make ${t.name}.${c.name} ${r.typeText}` };
  }
  if (MY_STRINGS.has(a.base) && MY_STRINGS.has(b.base)) {
    const x = myCharset(c, t), y = myCharset(r, parent);
    if (x.charset && y.charset && x.charset !== y.charset) {
      return { what: `${t.name}.${c.name} is ${x.charset} but ${parent.name}.${r.name} is ${y.charset}: string columns of another character set`, fix: `give ${t.name}.${c.name} CHARACTER SET ${y.charset}${y.collation ? ` COLLATE ${y.collation}` : ''}` };
    }
    if (x.collation && y.collation && x.collation !== y.collation && (x.charset ?? y.charset) === (y.charset ?? x.charset)) {
      return { what: `${t.name}.${c.name} is ${x.collation} but ${parent.name}.${r.name} is ${y.collation}: string columns of another collation`, fix: `give ${t.name}.${c.name} COLLATE ${y.collation}` };
    }
    return x.charset && y.charset ? '' : undefined;
  }
  const kind = (x: string) => (MY_INTS[x] ? 'integer' : dec(x) ? 'decimal' : MY_STRINGS.has(x) ? 'string' : undefined);
  const ka = kind(a.base), kb = kind(b.base);
  if (ka && kb && ka !== kb) return { what: `${t.name}.${c.name} is ${c.typeText} but ${parent.name}.${r.name} is ${r.typeText}: a ${ka} column referencing a ${kb} key`, fix: `make ${t.name}.${c.name} ${r.typeText}` };
  return a.base === b.base ? '' : undefined;
}

/** The column's type as written, without DEFAULT-like noise. */
function shown(c: Column): string { return c.typeText.trim().toLowerCase(); }

export const rule: Rule = {
  meta: {
    id: 'fk-type-mismatch',
    dialects: ['postgres', 'mysql'],
    title: 'Foreign key column of a different type than the key it references',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Data integrity over application logic" and "Plan for scale from day one"; Schema Design Standards: "Use foreign key constraints" (the persona\'s `user_id BIGINT NOT NULL REFERENCES users(id)` matches the `BIGSERIAL` key).',
    rationale:
      'A foreign key column should have exactly the type of the key it references. A narrower column (integer referencing a bigint key) cannot hold the key values once they pass its range, so inserts start failing on a date nobody planned for. A wider one (bigint referencing an integer key) works, but says the key will outgrow its type: widen the key before it runs out. Across types (a timestamp referencing a timestamptz, a numeric referencing an integer) every reference check and join converts one side, which depends on settings such as the session time zone or makes the planner skip the index of the other side.',
    bad: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id));',
    good: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));',
    fixable: false,
    notes:
      'MySQL / MariaDB (InnoDB tables): InnoDB requires "similar" types, so the columns must have the same integer size and sign (INT against INT UNSIGNED, INT against BIGINT), the same DECIMAL precision, and for strings the same character set and collation (the column\'s own or its table\'s default; not judged when neither side names one); the length of a string may differ. MySQL and MariaDB refuse such a key ("Referencing column ... incompatible", "Foreign key constraint is incorrectly formed"); with foreign_key_checks off it may be created and then not behave as written. Judged on the final schema (a type changed by a later migration counts). `serial` is `integer` and `bigserial` is `bigint` here. `text`, `varchar(n)`, `char(n)` and `citext` are not compared with each other (they compare as text and share the index; a length limit that differs is a design choice), nor are length or precision modifiers. Domains, enums, arrays and types the project does not define in a way DB Engineer knows are skipped: when the type is not known for sure, nothing is said. PostgreSQL itself refuses a foreign key between types it cannot compare (text referencing uuid): that fails at migration time. squawk and postgres-language-server have no equivalent (their `prefer-bigint-over-int` reports every integer column, which int-primary-key covers for keys). No quick fix: changing a column type rewrites the table under an ACCESS EXCLUSIVE lock (see alter-column-type), which needs a planned migration. When the referencing type has no implicit cast to the key\'s (text referencing uuid, numeric referencing integer), PostgreSQL refuses the key ("foreign key constraint ... cannot be implemented"): the message says the statement fails (checked on PostgreSQL 15).',
  },
  onSchema(ctx) {
    const seen = new Set<string>();
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const fk of t.foreignKeys) {
        if (ctx.wants && !ctx.wants(fk.loc.path)) continue;
        const at = `${fk.loc.path}:${fk.loc.start}`;
        if (seen.has(at)) continue; // a key copied by LIKE / INHERITS: once
        const parent = ctx.schema.tables.get(fk.refTable);
        if (!parent) continue;
        const refCols = fk.refColumns.length ? fk.refColumns : parent.primaryKey?.columns ?? [];
        if (refCols.length !== fk.columns.length || refCols.length === 0) continue;
        if (t.mysql || parent.mysql) {
          // MySQL / MariaDB: InnoDB's own conditions (another engine ignores foreign keys: see non-innodb-engine)
          if ([t, parent].some((x) => x.mysql?.engine && x.mysql.engine.toLowerCase() !== 'innodb')) continue;
          const found: { what: string; fix: string }[] = [];
          let sure = true;
          for (let i = 0; i < fk.columns.length; i++) {
            const c = t.columns.get(fk.columns[i].toLowerCase()) ?? t.columns.get(fk.columns[i]);
            const r = parent.columns.get(refCols[i].toLowerCase()) ?? parent.columns.get(refCols[i]);
            const p = c && r ? mySqlProblem(t, c, parent, r) : undefined;
            if (p === undefined) { sure = false; break; }
            if (p) found.push(p);
          }
          if (!sure || found.length === 0) continue;
          seen.add(at);
          ctx.report({
            loc: foreignKeyLoc(ctx, fk),
            message: `Foreign key type mismatch (refused by InnoDB): ${found.map((f) => f.what).join('; ')}. MySQL and MariaDB refuse to create this foreign key (MySQL 8: "Referencing column ... and referenced column ... are incompatible"; MariaDB: "Foreign key constraint is incorrectly formed"), so the statement that adds it fails, or, created with foreign_key_checks off, it is never enforced as written; ${found.map((f) => f.fix).join('; ')}.`,
          });
          continue;
        }
        const problems: string[] = [];
        let narrower = false, refused = false;
        for (let i = 0; i < fk.columns.length; i++) {
          const c = t.columns.get(fk.columns[i]);
          const r = parent.columns.get(refCols[i]);
          if (!c || !r || c.array || r.array) { problems.length = 0; break; }
          const a = CANON[c.type], b = CANON[r.type];
          if (!a || !b) { problems.length = 0; break; } // a domain, an enum, something not known for sure
          if (a === b) continue;
          const what = `${t.name}.${c.name} is ${shown(c)} but ${parent.name}.${r.name} is ${shown(r)}`;
          if (WIDTH[a] && WIDTH[b]) {
            if (WIDTH[a] < WIDTH[b]) {
              narrower = true;
              problems.push(`${what}: key values above ${LIMIT[WIDTH[a]]} cannot be stored in it, so inserts start failing when ${parent.name} passes that; make it ${b}`);
            } else {
              problems.push(`${what}: the column is ready for keys that ${parent.name}.${r.name} (${b}) cannot hold; widen ${parent.name}.${r.name} to ${a} (or narrow the column) so the two match`);
            }
          } else if (a === 'timestamp' || b === 'timestamp') {
            problems.push(`${what}: every check and join converts between them through the session TimeZone, so the same instant can fail to match; use one type (timestamptz)`);
          } else if (!IMPLICIT.has(`${a}>${b}`)) {
            // PostgreSQL needs the referencing type to be implicitly coercible to the key's: "foreign key
            // constraint ... cannot be implemented" (text referencing uuid)
            refused = true;
            problems.push(`${what}: PostgreSQL refuses this foreign key (there is no implicit cast from ${shown(c)} to ${shown(r)}), so the statement that adds it fails; use ${b}`);
          } else {
            problems.push(`${what}: every reference check and join converts one side, and an index on the converted side cannot be used; use ${b}`);
          }
        }
        if (problems.length === 0) continue;
        seen.add(at);
        ctx.report({
          loc: foreignKeyLoc(ctx, fk),
          message: `Foreign key type mismatch${refused ? ' (refused by PostgreSQL)' : narrower ? ' (overflow)' : ''}: ${problems.join('; ')}.`,
        });
      }
    }
  },
};
