import { inMySqlFile } from '../../dialects/mysql/rules-util';
import type { Fix } from '../../model';
import type { Column, Schema, Table } from '../../schema';
import { anchorOf, contractComment, expandContract, freshTableName, ident, objectName, plural, refColumnName, refType, singleKey, singular, tableRef } from './refactor';
import { isJudgedTable, nameWords } from './util';
import type { Rule, SchemaContext } from '../types';

/** Last words whose numbered columns are parts of one value, not repeated values: address_line1/2. */
const PARTS_OF_ONE = new Set(['line', 'address', 'addr', 'street']);
/**
 * Last words whose digits belong to the name (sha256, ipv4, oauth2, v1, base64, utf8) or that number
 * coordinates (x1/y1/x2/y2, lat1/lng1): never a repeating group.
 */
const DIGITS_IN_NAME = new Set([
  'v', 'ver', 'version', 'sha', 'md', 'crc', 'ipv', 'ip', 'oauth', 'base', 'utf', 'int', 'float', 'http', 'h', 's', 'ec', 'x', 'y', 'z',
  'lat', 'lng', 'lon', 'long', 'latitude', 'longitude', 'point', 'coord', 'p', 'mp', 'pkcs', 'aes', 'rsa', 'es', 'rs', 'hs', 'ps', 'ed',
  'tls', 'ssl', 'l', 'i', 'k', 'n', 't', 'w', 'e', 'f', 'q',
  // numbered keys are the parts of a composite key or the two ends of a pair (user_id1, user_id2)
  'id', 'ids', 'key', 'pk', 'fk', 'uuid', 'ref',
]);

/** True when the columns together are one key: all in the primary key, or in one foreign key or unique index. */
function oneKey(schema: Schema, t: Table, cols: string[]): boolean {
  const all = (list: readonly (string | null)[]) => cols.every((c) => list.includes(c));
  if (t.primaryKey && all(t.primaryKey.columns)) return true;
  if (t.foreignKeys.some((fk) => all(fk.columns))) return true;
  return schema.indexesOf(t).some((ix) => ix.unique && all(ix.columns));
}

interface Group { stem: string; members: { col: Column; position: number }[] }

/** Numbered columns of a table that repeat one attribute: phone1..3, tag_1..; base + 2.. (email, email2). */
export function repeatingGroups(schema: Schema, t: Table): Group[] {
  const byStem = new Map<string, { col: Column; n?: number }[]>();
  for (const col of t.columns.values()) {
    const m = /^(.*?[a-z])_?(\d{1,2})$/i.exec(col.name);
    const stem = m ? m[1] : col.name;
    if (m) { const list = byStem.get(stem.toLowerCase()) ?? []; list.push({ col, n: +m[2] }); byStem.set(stem.toLowerCase(), list); }
  }
  const out: Group[] = [];
  for (const [stem, numbered] of byStem) {
    if (/^utm_/.test(stem)) continue;
    const words = nameWords(stem);
    const last = words[words.length - 1] ?? '';
    if (!last || PARTS_OF_ONE.has(last) || DIGITS_IN_NAME.has(last) || last.length < 2) continue;
    const base = t.columns.get(stem) ?? [...t.columns.values()].find((c) => c.name.toLowerCase() === stem);
    const members: { col: Column; position: number }[] = numbered.map((x) => ({ col: x.col, position: x.n! }));
    const numbers = new Set(members.map((m) => m.position));
    // `email, email2, email3`: the unnumbered column is the first of the group
    if (base && !numbers.has(1) && !numbers.has(0)) members.push({ col: base, position: 1 });
    members.sort((a, b) => a.position - b.position);
    if (members.length < 2) continue;
    // consecutive from 0 or 1, one column per position
    const first = members[0].position;
    if (first > 1 || members.some((m, i) => m.position !== first + i)) continue;
    const type = members[0].col;
    if (members.some((m) => m.col.type !== type.type || m.col.array !== type.array)) continue;
    if (oneKey(schema, t, members.map((m) => m.col.name))) continue;
    out.push({ stem: base?.name ?? numbered[0].col.name.replace(/_?\d+$/, ''), members });
  }
  return out;
}

/** The child table's name: `<table singular>_<stem plural>`, not yet taken. */
function childName(ctx: SchemaContext, t: Table, g: Group): string {
  return freshTableName(ctx.schema, t, `${singular(t.name.toLowerCase())}_${plural(g.stem.replace(/_+$/, '').toLowerCase())}`);
}

function refactor(ctx: SchemaContext, t: Table, g: Group, child: string): Fix | undefined {
  const key = singleKey(t);
  const anchor = anchorOf(ctx, [t.loc, ...(t.primaryKey ? [t.primaryKey.loc] : []), ...g.members.map((m) => m.col.loc)]);
  if (!key || !anchor) return undefined;
  const stem = g.stem.replace(/_+$/, '');
  const childRef = t.schema === 'public' ? ident(child) : `${ident(t.schema)}.${ident(child)}`;
  const refCol = ident(refColumnName(t, key));
  const valueCol = ident(stem === refColumnName(t, key) || stem === 'ordinal' ? `${stem}_value` : stem);
  const parent = tableRef(t);
  const k = ident(key.name);
  const cols = g.members.map((m) => ident(m.col.name));
  const type = g.members[0].col.typeText.trim() || g.members[0].col.type;
  const shift = g.members[0].position === 0 ? 1 : 0; // ordinals start at 1
  const expand = [
    `CREATE TABLE ${childRef} (`,
    `    ${refCol} ${refType(key)} NOT NULL REFERENCES ${parent} (${k}) ON DELETE CASCADE,`,
    `    ordinal smallint NOT NULL,`,
    `    ${valueCol} ${type} NOT NULL,`,
    `    PRIMARY KEY (${refCol}, ordinal)`,
    `);`,
    `-- The primary key serves lookups by ${t.name}; this index serves lookups by value.`,
    `CREATE INDEX ${ident(objectName(['idx', child, valueCol.replace(/"/g, '')]))} ON ${childRef} (${valueCol});`,
    '',
    `-- Copy the existing values: one row per filled column.`,
    `INSERT INTO ${childRef} (${refCol}, ordinal, ${valueCol})`,
    `SELECT t.${k}, v.ordinal, v.${valueCol}`,
    `FROM ${parent} AS t`,
    `CROSS JOIN LATERAL (VALUES ${g.members.map((m, i) => `(${m.position + shift}, t.${cols[i]})`).join(', ')}) AS v (ordinal, ${valueCol})`,
    `WHERE v.${valueCol} IS NOT NULL;`,
  ].join('\n');
  const contract = [
    contractComment(`${cols.join(', ')} of ${t.name}`),
    `-- The values live on in ${child} (copied by the previous step).`,
    `-- dbe-ignore destructive-change`,
    `ALTER TABLE ${parent}`,
    cols.map((c) => `    DROP COLUMN ${c}`).join(',\n') + ';',
  ].join('\n');
  const notNull = g.members.filter((m) => m.col.notNull).map((m) => ident(m.col.name));
  const restore = [
    `ALTER TABLE ${parent}`,
    g.members.map((m, i) => `    ADD COLUMN ${cols[i]} ${m.col.typeText.trim() || m.col.type}`).join(',\n') + ';',
    `UPDATE ${parent} AS t`,
    `SET ${cols.map((c) => `${c} = c.${c}`).join(', ')}`,
    `FROM (`,
    `    SELECT ${refCol},`,
    g.members.map((m, i) => `        (array_agg(${valueCol}) FILTER (WHERE ordinal = ${m.position + shift}))[1] AS ${cols[i]}`).join(',\n'),
    `    FROM ${childRef}`,
    `    GROUP BY ${refCol}`,
    `) AS c`,
    `WHERE c.${refCol} = t.${k};`,
    ...(notNull.length ? [`ALTER TABLE ${parent}\n${notNull.map((c) => `    ALTER COLUMN ${c} SET NOT NULL`).join(',\n')};`] : []),
  ].join('\n');
  return expandContract(
    ctx.files(),
    `Move ${t.name} (${g.members.map((m) => m.col.name).join(', ')}) to ${child}`,
    { title: `Create ${child} from ${t.name} ${stem} columns`, up: expand, down: `DROP TABLE ${childRef};` },
    { title: `Drop ${t.name} ${stem} columns`, up: contract, down: restore },
    anchor,
  );
}

export const rule: Rule = {
  meta: {
    id: 'repeating-column-group',
    dialects: ['postgres', 'mysql'],
    title: 'Numbered columns repeating one attribute (phone1, phone2, phone3)',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Normalize until it hurts, then denormalize until it works", and Normalization Patterns: "3NF for transactional systems".',
    rationale:
      'Columns such as `phone1, phone2, phone3` store a list in the width of the table: a customer with a fourth number needs a schema change, every search has to test each column (`WHERE phone1 = $1 OR phone2 = $1 OR ...`), no single index serves that search, and uniqueness or a foreign key on "any of them" cannot be declared. Most rows leave some of the columns empty. A child table with one row per value has no upper limit, one index and one constraint, and is what first normal form asks for.',
    bad: 'CREATE TABLE customers (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL,\n  phone1 text,\n  phone2 text,\n  phone3 text\n);',
    good: 'CREATE TABLE customers (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL\n);\nCREATE TABLE customer_phones (\n  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n  ordinal smallint NOT NULL,\n  phone text NOT NULL,\n  PRIMARY KEY (customer_id, ordinal)\n);\nCREATE INDEX idx_customer_phones_phone ON customer_phones (phone);',
    fixable: true,
    notes:
      'A group is two or more columns of one table and one type whose names differ only by a trailing number, numbered consecutively from 0 or 1 (`phone1, phone2`, `tag_1, tag_2, tag_3`); an unnumbered column counts as the first when the others start at 2 (`email, email2`). Not reported: numbered parts of one value (`address_line1/2`, `line1/line2`, `address, address2`, `street1/2`), coordinates (`x1, y1, x2, y2`, `lat1/lng1`), names whose digits are part of the word (`sha256`, `md5`, `ipv4/ipv6`, `oauth2`, `base64`, versions such as `api_v1/api_v2`), `utm_*` tracking columns, numbered keys (`id1, id2`, `parent_id1, parent_id2`: parts of a composite key or the two ends of a pair), groups that together form the primary key, a foreign key or a unique index, numbers above 99, and groups whose columns have different types. The refactor (for a table with a one-column primary key) writes two migrations: the expand step creates the child table `<table>_<stem>s` with a foreign key (ON DELETE CASCADE), a composite primary key (parent, ordinal) that also indexes the foreign key, an index on the value, and copies the filled columns with `INSERT ... SELECT` over `CROSS JOIN LATERAL (VALUES ...)`; the contract step drops the old columns and is meant to run once the application reads and writes the child table. Its rollback re-adds the columns and fills them back from the child table. In a project with one schema file both steps go right after the statement that defined the group.',
  },
  onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (!isJudgedTable(t)) continue;
      for (const g of repeatingGroups(ctx.schema, t)) {
        const names = g.members.map((m) => m.col.name);
        const key = singleKey(t);
        const child = childName(ctx, t, g);
        // MySQL: no refactor (it is written with PostgreSQL's LATERAL and identity columns)
        const fix = inMySqlFile(ctx, t.loc) ? undefined : refactor(ctx, t, g, child);
        ctx.report({
          loc: g.members[0].col.loc,
          message: `Columns ${t.name}.${names.join(', ')} repeat one attribute: a further value needs a new column and every search must test each one; move them to a child table (${child}: one row per ${g.stem.replace(/_+$/, '')}${key ? `, referencing ${t.name} (${key.name})` : `; ${t.name} needs a primary key first`}).`,
          fixes: fix ? [fix] : undefined,
        });
      }
    }
  },
};
