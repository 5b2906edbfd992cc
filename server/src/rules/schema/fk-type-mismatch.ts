import type { Column } from '../../schema';
import { inMySqlFile } from '../../dialects/mysql/rules-util';
import type { Table } from '../../schema';
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

/** The column's type as written, without DEFAULT-like noise. */
function shown(c: Column): string { return c.typeText.trim().toLowerCase(); }

const MY_INT = /^\s*(tinyint|smallint|mediumint|integer|int|bigint)\b/i;
const MY_INT_NAME: Record<string, string> = { integer: 'int' };

/**
 * MySQL / MariaDB: the size and sign of integer key columns must be the same (MySQL 8 error 3780,
 * MariaDB errno 150): the statement that adds the key fails. Other types are not judged (a VARCHAR
 * length may differ; charsets and collations are left to the server check).
 */
function mySqlProblems(t: Table, parent: Table, cols: string[], refCols: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const c = t.columns.get(cols[i]), r = parent.columns.get(refCols[i]);
    const a = c && MY_INT.exec(c.typeText)?.[1]?.toLowerCase(), b = r && MY_INT.exec(r.typeText)?.[1]?.toLowerCase();
    if (!c || !r || !a || !b) return [];
    const an = MY_INT_NAME[a] ?? a, bn = MY_INT_NAME[b] ?? b;
    const au = !!c.mysql?.unsigned, bu = !!r.mysql?.unsigned;
    if (an === bn && au === bu) continue;
    const show = (n: string, u: boolean) => `${n.toUpperCase()}${u ? ' UNSIGNED' : ''}`;
    out.push(`${t.name}.${c.name} is ${show(an, au)} but ${parent.name}.${r.name} is ${show(bn, bu)}: integer key columns must have the same size and sign, so the statement that adds this foreign key fails; make it ${show(bn, bu)}`);
  }
  return out;
}

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
      'Judged on the final schema (a type changed by a later migration counts). `serial` is `integer` and `bigserial` is `bigint` here. `text`, `varchar(n)`, `char(n)` and `citext` are not compared with each other (they compare as text and share the index; a length limit that differs is a design choice), nor are length or precision modifiers. Domains, enums, arrays and types the project does not define in a way DB Engineer knows are skipped: when the type is not known for sure, nothing is said. PostgreSQL itself refuses a foreign key between types it cannot compare (text referencing uuid): that fails at migration time. squawk and postgres-language-server have no equivalent (their `prefer-bigint-over-int` reports every integer column, which int-primary-key covers for keys). No quick fix: changing a column type rewrites the table under an ACCESS EXCLUSIVE lock (see alter-column-type), which needs a planned migration. When the referencing type has no implicit cast to the key\'s (text referencing uuid, numeric referencing integer), PostgreSQL refuses the key ("foreign key constraint ... cannot be implemented"): the message says the statement fails (checked on PostgreSQL 15). MySQL and MariaDB: integer columns of a different size or sign (INT referencing INT UNSIGNED, BIGINT referencing INT) are reported, since both servers refuse that key; other types are not judged there.',
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
        if (inMySqlFile(ctx, fk.loc)) {
          const my = mySqlProblems(t, parent, fk.columns, refCols);
          if (my.length) { seen.add(at); ctx.report({ loc: foreignKeyLoc(ctx, fk), message: `Foreign key type mismatch (refused by MySQL and MariaDB): ${my.join('; ')}.` }); }
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
