import type { Fix } from '../../model';
import type { Column, Table } from '../../schema';
import { anchorOf, contractComment, expandContract, findTable, ident, refType, singleKey, singular, tableRef } from './refactor';
import { isJudgedTable, nameWords } from './util';
import { inMySqlFile } from '../../dialects/mysql/rules-util';
import type { Rule, SchemaContext } from '../types';

/** Columns naming the attribute of an entity-attribute-value row. */
const ATTRIBUTE = new Set([
  'attribute', 'attribute_name', 'attr', 'attr_name', 'attr_key', 'attribute_key', 'key', 'key_name', 'property', 'property_name', 'prop', 'prop_name',
  'field', 'field_name', 'field_key', 'meta_key', 'param', 'param_name', 'parameter', 'parameter_name', 'setting', 'setting_name', 'setting_key',
]);
/** Attribute columns that point at a catalog of attributes (attribute_id -> attributes). */
const ATTRIBUTE_REF = new Set(['attribute_id', 'attr_id', 'property_id', 'field_id', 'param_id', 'parameter_id']);
/** Table-name words that say `name` is an attribute name (product_attributes (product_id, name, value)). */
const HINT = new Set(['attribute', 'attributes', 'attr', 'attrs', 'property', 'properties', 'meta', 'metadata', 'setting', 'settings', 'option', 'options', 'param', 'params', 'parameters', 'field', 'fields', 'custom', 'extra', 'extras', 'kv', 'eav', 'values']);
/** Columns that do not count against a table being an EAV store: surrogate keys and bookkeeping. */
const BOOKKEEPING = /^(id|uuid|created_at|updated_at|created|updated|modified_at|created_by|updated_by|deleted_at|inserted_at|position|sort_order|ordinal|version)$/;
const TEXT = new Set(['text', 'varchar', 'bpchar', 'citext']);

interface Eav { entity: Column; attribute: Column; values: Column[]; parent?: Table; /** Other data columns (at most one). */ others: Column[] }

function isValueColumn(c: Column): boolean {
  return nameWords(c.name).some((w) => w === 'value' || w === 'val');
}

export function eavShape(ctx: SchemaContext, t: Table): Eav | undefined {
  const cols = [...t.columns.values()];
  const values = cols.filter(isValueColumn);
  if (!values.length) return undefined;
  const hinted = nameWords(t.name).some((w) => HINT.has(w));
  const attribute = cols.find((c) => (ATTRIBUTE.has(c.name.toLowerCase()) && TEXT.has(c.type)) || ATTRIBUTE_REF.has(c.name.toLowerCase()))
    ?? (hinted ? cols.find((c) => c.name.toLowerCase() === 'name' && TEXT.has(c.type)) : undefined);
  if (!attribute) return undefined;
  // the entity: a foreign key column, else a *_id column other than the key and the attribute
  const pk = new Set(t.primaryKey?.columns.length === 1 ? t.primaryKey.columns : []);
  const fkCols = t.foreignKeys.filter((fk) => fk.columns.length === 1 && fk.columns[0] !== attribute.name);
  const entity = fkCols.map((fk) => t.columns.get(fk.columns[0])).find((c): c is Column => !!c && !pk.has(c.name))
    ?? cols.find((c) => /_id$/i.test(c.name) && c !== attribute && !pk.has(c.name) && !isValueColumn(c));
  if (!entity) return undefined;
  // an EAV store is little more than (entity, attribute, value): other data columns mean a real entity
  const others = cols.filter((c) => c !== entity && c !== attribute && !values.includes(c) && !BOOKKEEPING.test(c.name.toLowerCase()) && !pk.has(c.name));
  if (others.length > 1) return undefined;
  const fk = t.foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === entity.name);
  const parent = fk ? ctx.schema.tables.get(fk.refTable) : findTable(ctx.schema, t, entity.name.replace(/_id$/i, ''));
  return { entity, attribute, values, parent: parent && parent.kind === 'table' ? parent : undefined, others };
}

/** The jsonb column the pairs move to: the EAV table's name without the parent's (user_settings -> settings). */
function documentColumn(t: Table, parent: Table): string {
  const prefix = `${singular(parent.name.toLowerCase())}_`;
  const rest = t.name.toLowerCase().startsWith(prefix) ? t.name.toLowerCase().slice(prefix.length) : '';
  const name = /^[a-z_][a-z0-9_]*$/.test(rest) && rest ? rest : 'attributes';
  return parent.columns.has(name) ? `${name}_doc` : name;
}

function refactor(ctx: SchemaContext, t: Table, e: Eav): Fix | undefined {
  const key = e.parent && singleKey(e.parent);
  if (!e.parent || !key || e.values.length !== 1 || e.others.length || !TEXT.has(e.attribute.type) || e.parent === t) return undefined;
  const anchor = anchorOf(ctx, [t.loc, e.parent.loc, ...(e.parent.primaryKey ? [e.parent.primaryKey.loc] : []), e.entity.loc, e.attribute.loc, e.values[0].loc]);
  if (!anchor) return undefined;
  const parent = tableRef(e.parent), eav = tableRef(t);
  const doc = ident(documentColumn(t, e.parent));
  const ent = ident(e.entity.name), attr = ident(e.attribute.name), val = ident(e.values[0].name), k = ident(key.name);
  const expand = [
    `-- One jsonb document per ${e.parent.name} row instead of one ${t.name} row per attribute.`,
    `ALTER TABLE ${parent} ADD COLUMN ${doc} jsonb NOT NULL DEFAULT '{}';`,
    '',
    `-- Copy the pairs (when an attribute repeats for one ${e.parent.name} row, one value is kept).`,
    `UPDATE ${parent} AS p`,
    `SET ${doc} = a.doc`,
    `FROM (`,
    `    SELECT ${ent}, jsonb_object_agg(${attr}, ${val}) AS doc`,
    `    FROM ${eav}`,
    `    WHERE ${attr} IS NOT NULL`,
    `    GROUP BY ${ent}`,
    `) AS a`,
    `WHERE a.${ent} = p.${k};`,
    `-- To search by attribute (${doc} @> '{"key": "value"}'), add in a migration of its own:`,
    `-- CREATE INDEX CONCURRENTLY ON ${parent} USING gin (${doc} jsonb_path_ops);`,
  ].join('\n');
  const contract = [
    contractComment(`${t.name}`),
    `-- The pairs live on in ${e.parent.name}.${doc.replace(/"/g, '')} (copied by the previous step).`,
    `-- dbe-ignore destructive-change`,
    `DROP TABLE ${eav};`,
  ].join('\n');
  const cols = [...t.columns.values()].map((c) => `    ${ident(c.name)} ${c.typeText.trim() || c.type}${c.notNull ? ' NOT NULL' : ''}${c === e.entity ? ` REFERENCES ${parent} (${k}) ON DELETE CASCADE` : ''}`);
  if (t.primaryKey?.columns.length) cols.push(`    PRIMARY KEY (${t.primaryKey.columns.map(ident).join(', ')})`);
  const valueType = e.values[0].typeText.trim() || e.values[0].type;
  const restore = [
    `CREATE TABLE ${eav} (`,
    cols.join(',\n'),
    `);`,
    `INSERT INTO ${eav} (${ent}, ${attr}, ${val})`,
    `SELECT p.${k}, d.key, ${e.values[0].type === 'jsonb' ? 'd.value' : TEXT.has(e.values[0].type) ? `d.value #>> '{}'` : `(d.value #>> '{}')::${valueType}`}`,
    `FROM ${parent} AS p`,
    `CROSS JOIN LATERAL jsonb_each(p.${doc}) AS d;`,
  ].join('\n');
  return expandContract(
    ctx.files(),
    `Move ${t.name} into a jsonb column ${e.parent.name}.${doc.replace(/"/g, '')}`,
    { title: `Add ${e.parent.name} ${doc.replace(/"/g, '')} from ${t.name}`, up: expand, down: `ALTER TABLE ${parent} DROP COLUMN ${doc};` },
    { title: `Drop ${t.name}`, up: contract, down: restore },
    anchor,
  );
}

export const rule: Rule = {
  meta: {
    id: 'eav-table',
    dialects: ['postgres', 'mysql'],
    title: 'Entity-attribute-value table (entity id, attribute name, value)',
    category: 'schema',
    severity: 'info',
    principle: 'Data Modeling Principles: "Design for queries, not just entities" and "Data integrity over application logic".',
    rationale:
      'An entity-attribute-value table (`(user_id, key, value)`, WordPress-style `meta_key`/`meta_value`) stores each property of an entity as a row. The database then knows nothing about the properties: every value has one type (usually text), so no type, NOT NULL, CHECK or foreign key can be declared per attribute; reading one entity with five properties needs five rows or a pivot; filtering on two attributes is a self-join per attribute, and the planner\'s statistics describe the whole value column, not one attribute, so its estimates are poor. When the attributes are known, typed columns on the entity table are best; when they are open-ended, a `jsonb` column on the entity keeps one row per entity and can be indexed with GIN.',
    bad: 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE user_settings (\n  user_id bigint NOT NULL REFERENCES users (id),\n  key text NOT NULL,\n  value text,\n  PRIMARY KEY (user_id, key)\n);',
    good: "CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  -- known attributes as typed columns\n  theme text NOT NULL DEFAULT 'light',\n  -- open-ended ones in one document\n  settings jsonb NOT NULL DEFAULT '{}'\n);",
    fixable: true,
    notes:
      'A table is reported when it has a value column (`value`, `val`, `meta_value`, `value_text`, ...), an attribute column (`key`, `attribute`, `property`, `field_name`, `meta_key`, `param`, ... of a string type, or `attribute_id` pointing at an attribute catalog; `name` only when the table\'s name says it holds attributes, settings, options or metadata), an entity column (a foreign key, or another `*_id` column), and at most one other data column besides surrogate keys and timestamps. A key-value table without an entity column (application configuration) is not reported. Severity is info: EAV is sometimes the deliberate choice for user-defined fields, and then the finding can be silenced. The refactor (for a table of just entity, attribute and one value column, the attribute a string, when the entity\'s table has a one-column key) adds a `jsonb` column to the entity table filled with `jsonb_object_agg`, and as a later, separate migration drops the EAV table; its rollback recreates the table and refills it with `jsonb_each`. Typed columns are better when the attributes are known: write those by hand. MySQL: the message proposes a JSON column; no refactor is offered (it is written in PostgreSQL\'s jsonb functions).',
  },
  onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (!isJudgedTable(t)) continue;
      const e = eavShape(ctx, t);
      if (!e) continue;
      // MySQL: a JSON column (the refactor is PostgreSQL's jsonb migration: none on MySQL)
      const my = inMySqlFile(ctx, t.loc);
      const json = my ? 'JSON' : 'jsonb';
      const fix = my ? undefined : refactor(ctx, t, e);
      const doc = e.parent ? `${e.parent.name}.${documentColumn(t, e.parent).replace(/"/g, '')}` : `a ${json} column on the table ${e.entity.name} points at`;
      ctx.report({
        loc: t.loc,
        message: `Table ${t.name} stores attributes as rows (${e.entity.name}, ${e.attribute.name}, ${e.values.map((v) => v.name).join('/')}): no per-attribute type, constraint or statistics, and each filter on an attribute is another self-join; use typed columns for known attributes, or a ${json} document (${doc}) for open-ended ones.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
