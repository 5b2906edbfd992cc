import { inMySqlFile } from '../../dialects/mysql/rules-util';
import type { Fix, Loc } from '../../model';
import type { Column, Table } from '../../schema';
import type { Node } from '../../sql/parse';
import { anchorOf, contractComment, expandContract, findTable, freshTableName, ident, objectName, plural, refColumnName, refType, sibling, singleKey, singular, tableRef } from './refactor';
import { isJudgedTable, nameWords } from './util';
import type { Rule, SchemaContext } from '../types';

const TEXT = new Set(['text', 'varchar', 'bpchar', 'citext']);
const INT = new Set(['int2', 'int4', 'int8', 'smallint', 'integer', 'bigint', 'int']);
const family = (type: string) => (TEXT.has(type) ? 'text' : INT.has(type) ? 'int' : type === 'uuid' ? 'uuid' : type);
/** A text value that is a list of ids: '1,2,3', '7, 9', or comma-separated uuids. */
const ID_LIST = /^\s*(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\s*,\s*(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))+\s*$/i;

interface Finding {
  col: Column;
  /** The referenced entity's name stem from the column name (`product` of product_ids), if any. */
  stem?: string;
  target?: Table;
  /** Where a list literal was inserted into the column. */
  evidence?: { value: string; loc: Loc };
}

/** Text list literals inserted into a table's columns by the workspace's INSERT ... VALUES statements. */
function insertedLists(ctx: SchemaContext): Map<Table, Map<string, { value: string; loc: Loc }>> {
  const out = new Map<Table, Map<string, { value: string; loc: Loc }>>();
  for (const f of ctx.files()) {
    for (const s of f.statements) {
      if (s.kind !== 'InsertStmt' || !s.node) continue;
      const rv = s.node.relation;
      const t = rv?.relname ? ctx.schema.table(rv.schemaname, rv.relname) : undefined;
      const rows: Node[] | undefined = s.node.selectStmt?.SelectStmt?.valuesLists;
      if (!t || !rows) continue;
      const names: string[] = (s.node.cols ?? []).map((c: Node) => c.ResTarget?.name).filter(Boolean);
      const cols = names.length ? names : [...t.columns.keys()];
      for (const row of rows) {
        (row.List?.items ?? []).forEach((item: Node, i: number) => {
          const v = item.A_Const?.sval?.sval;
          const col = cols[i];
          if (typeof v !== 'string' || !col || !ID_LIST.test(v)) return;
          const seen = out.get(t) ?? new Map();
          if (!seen.has(col)) seen.set(col, { value: v, loc: { path: f.path, start: s.start, end: s.end } });
          out.set(t, seen);
        });
      }
    }
  }
  return out;
}

function judge(ctx: SchemaContext, t: Table, col: Column, inserted?: { value: string; loc: Loc }): Finding | undefined {
  const words = nameWords(col.name);
  const last = words[words.length - 1];
  const stem = words.length > 1 && (last === 'ids' || last === 'list') ? words.slice(0, -1).join('_') : undefined;
  const fam = family(col.type);
  // the table the name points at, looked up only for columns that qualify otherwise
  const target = () => (stem ? findTable(ctx.schema, t, stem) : findTable(ctx.schema, t, col.name));
  const found = (): Finding => ({ col, stem, target: target(), evidence: inserted });
  if (last === 'ids' && stem) {
    if (!col.array && fam === 'text') return found();
    // an id array: integers and uuids are references; strings only when the table they name exists
    if (col.array && (fam === 'int' || fam === 'uuid')) return found();
    if (col.array && fam === 'text') { const f = found(); return f.target ? f : undefined; }
    return undefined;
  }
  if (last === 'list' && stem && !col.array && fam === 'text') return found();
  if (inserted && !col.array && fam === 'text') return found();
  return undefined;
}

/** The junction table's name: `<table singular>_<stem plural>` (order_products), not yet taken. */
function junctionName(ctx: SchemaContext, t: Table, m: Finding, target: Table): string {
  return freshTableName(ctx.schema, t, `${singular(t.name.toLowerCase())}_${m.stem ? plural(m.stem) : target.name.toLowerCase()}`);
}

function refactor(ctx: SchemaContext, t: Table, m: Finding): Fix | undefined {
  const key = singleKey(t);
  const tkey = m.target && singleKey(m.target);
  if (!key || !m.target || !tkey) return undefined;
  const anchor = anchorOf(ctx, [t.loc, m.col.loc, m.target.loc, ...(t.primaryKey ? [t.primaryKey.loc] : []), ...(m.target.primaryKey ? [m.target.primaryKey.loc] : [])]);
  if (!anchor) return undefined;
  const parentCol = refColumnName(t, key);
  let targetCol = m.stem ? objectName([m.stem, 'id']) : refColumnName(m.target, tkey);
  if (targetCol === parentCol) targetCol = objectName(['related', targetCol]);
  const junction = junctionName(ctx, t, m, m.target);
  const j = sibling(t, junction);
  const parent = tableRef(t), target = tableRef(m.target);
  const pc = ident(parentCol), tc = ident(targetCol), k = ident(key.name), tk = ident(tkey.name), c = ident(m.col.name);
  const sameFamily = m.col.array && family(m.col.type) === family(/serial/.test(tkey.type) ? 'int4' : tkey.type);
  const unnest = m.col.array ? `unnest(t.${c})` : `unnest(string_to_array(t.${c}, ','))`;
  // the listed value as the key's type; values that cannot be one match nothing (instead of failing the cast)
  const keyFam = family(/serial/.test(tkey.type) ? 'int4' : tkey.type);
  const item = m.col.array ? (sameFamily ? 'v.item' : 'v.item::text') : 'btrim(v.item)';
  const asKey = sameFamily ? item
    : keyFam === 'int' ? `CASE WHEN ${item} ~ '^-?[0-9]{1,18}$' THEN ${item}::bigint END`
    : keyFam === 'uuid' ? `CASE WHEN ${item} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN ${item}::uuid END`
    : keyFam === 'text' ? item : `${item}::${refType(tkey)}`;
  const match = `r.${tk} = ${asKey}`;
  const expand = [
    `CREATE TABLE ${j} (`,
    `    ${pc} ${refType(key)} NOT NULL REFERENCES ${parent} (${k}) ON DELETE CASCADE,`,
    `    ${tc} ${refType(tkey)} NOT NULL REFERENCES ${target} (${tk}),`,
    `    PRIMARY KEY (${pc}, ${tc})`,
    `);`,
    `-- The primary key serves lookups by ${t.name}; this index serves the reverse direction`,
    `-- (and the foreign key check when ${m.target.name} rows are deleted).`,
    `CREATE INDEX ${ident(objectName(['idx', junction, targetCol]))} ON ${j} (${tc});`,
    '',
    `-- Copy the existing lists: one row per listed id. Ids with no ${m.target.name} row are left out`,
    `-- (the foreign key would refuse them); check for them before the contract step.`,
    `INSERT INTO ${j} (${pc}, ${tc})`,
    `SELECT DISTINCT t.${k}, r.${tk}`,
    `FROM ${parent} AS t`,
    `CROSS JOIN LATERAL ${unnest} AS v (item)`,
    `JOIN ${target} AS r ON ${match};`,
  ].join('\n');
  const contract = [
    contractComment(`${t.name}.${m.col.name}`),
    `-- The references live on in ${junction} (copied by the previous step).`,
    `-- dbe-ignore destructive-change`,
    `ALTER TABLE ${parent} DROP COLUMN ${c};`,
  ].join('\n');
  const agg = m.col.array
    ? (sameFamily ? `array_agg(${tc} ORDER BY ${tc})` : `array_agg(${tc}::text ORDER BY ${tc})`)
    : `string_agg(${tc}::text, ',' ORDER BY ${tc})`;
  const empty = m.col.array ? `'{}'` : `''`;
  const restore = [
    `-- The lists come back sorted and without duplicates.`,
    `ALTER TABLE ${parent} ADD COLUMN ${c} ${m.col.typeText.trim() || m.col.type}${m.col.notNull ? ` NOT NULL DEFAULT ${empty}` : ''};`,
    `UPDATE ${parent} AS t`,
    `SET ${c} = j.list`,
    `FROM (SELECT ${pc}, ${agg} AS list FROM ${j} GROUP BY ${pc}) AS j`,
    `WHERE j.${pc} = t.${k};`,
    ...(m.col.notNull && !m.col.hasDefault ? [`ALTER TABLE ${parent} ALTER COLUMN ${c} DROP DEFAULT;`] : []),
  ].join('\n');
  return expandContract(
    ctx.files(),
    `Replace ${t.name}.${m.col.name} with junction table ${junction}`,
    { title: `Create ${junction} from ${t.name} ${m.col.name}`, up: expand, down: `DROP TABLE ${j};` },
    { title: `Drop ${t.name} ${m.col.name}`, up: contract, down: restore },
    anchor,
  );
}

export const rule: Rule = {
  meta: {
    id: 'multi-valued-column',
    dialects: ['postgres', 'mysql'],
    title: 'Column holding a list of references (product_ids, *_list, \'1,2,3\')',
    category: 'schema',
    severity: 'warning',
    principle: 'Schema Design Standards: "Use foreign key constraints", Data Modeling Principles: "Data integrity over application logic", and Normalization Patterns: "3NF for transactional systems".',
    rationale:
      'A column that stores several ids in one value (`\'3,17,42\'` in a text column, or an id array) is a many-to-many relationship the database cannot see: no foreign key can check the ids, deleting a product leaves dangling ids behind, "which orders contain product 17" needs string matching or an array scan that a normal index does not serve, and adding or removing one id rewrites the whole value (and races with concurrent edits). A junction table with one row per pair gives both foreign keys, both lookup directions indexed, and single-row inserts and deletes.',
    bad: "CREATE TABLE products (id bigint PRIMARY KEY);\nCREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  product_ids text -- '1,2,3'\n);",
    good: 'CREATE TABLE products (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE order_products (\n  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n  product_id bigint NOT NULL REFERENCES products (id),\n  PRIMARY KEY (order_id, product_id)\n);\nCREATE INDEX idx_order_products_product_id ON order_products (product_id);',
    fixable: true,
    notes:
      'Reported: `*_ids` columns of a string type, and `*_ids` arrays of integers or uuids (or of strings when the table the name points at exists); `*_list` columns of a string type; and string columns into which an INSERT of the workspace puts a list literal such as `\'1,2,3\'`. Not reported: `json`/`jsonb` documents, `tsvector`, and arrays of values that are not references, such as `tags text[]` or an array of an enum: a bounded set of labels read and written with its row is a common, acceptable denormalization (a GIN index serves `tags @> ARRAY[...]`), and there is no row to point a foreign key at. `*_ids text[]` holding identifiers issued elsewhere (OAuth client ids) is left alone when no table of that name exists. The refactor (when both tables have a one-column primary key and the referenced table is found from the name: `product_ids` -> products) writes the expand step (junction table with both foreign keys, the composite primary key, the reverse index, and `INSERT ... SELECT` over `unnest(string_to_array(...))` or `unnest(array)`, skipping ids that match no row) and, as a separate later migration, the contract step dropping the old column; its rollback rebuilds the lists (sorted, without duplicates).',
  },
  *onSchema(ctx) {
    let lists: ReturnType<typeof insertedLists> | undefined;
    for (const t of ctx.schema.tables.values()) {
      if (!isJudgedTable(t)) continue;
      yield; // one table at a time (the editor answers requests in between)
      for (const col of t.columns.values()) {
        if (!TEXT.has(col.type) && !INT.has(col.type) && col.type !== 'uuid') continue;
        lists ??= insertedLists(ctx);
        const m = judge(ctx, t, col, lists.get(t)?.get(col.name));
        if (!m) continue;
        // MySQL: no refactor (it is written with PostgreSQL's arrays and string_to_array)
        const fix = inMySqlFile(ctx, t.loc) ? undefined : refactor(ctx, t, m);
        const what = m.col.array ? `an array of ids` : m.evidence ? `a list of ids (e.g. '${m.evidence.value.trim().slice(0, 40)}')` : `a list of ids in one string`;
        const to = m.target
          ? `a junction table ${junctionName(ctx, t, m, m.target)} with foreign keys to ${t.name} and ${m.target.name}`
          : `a junction table with one row per referenced id and a foreign key to each side`;
        ctx.report({
          loc: col.loc,
          message: `Column ${t.name}.${col.name} holds ${what}: no foreign key checks them and finding the rows that contain one id cannot use a normal index; replace it with ${to}.`,
          fixes: fix ? [fix] : undefined,
        });
      }
    }
  },
};
