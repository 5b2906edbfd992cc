// A snapshot of the user's schemas in the sandbox's catalog, and the difference between two, phrased
// for a person. validate_migration takes one before a candidate up migration, one after it (what up
// changed) and one after its down (what the rollback does not restore).
//
// - User schemas only: not pg_catalog, information_schema, pg_toast*, pg_temp*; objects that belong
//   to an extension (pg_depend 'e') are the extension's, and show as the extension.
// - What is compared: schemas, relations (kind, UNLOGGED, row security, a view's definition, a
//   sequence's type and bounds), columns (format_type, NOT NULL, default, identity, generated),
//   indexes (pg_get_indexdef) other than those a primary key, unique or exclusion constraint owns,
//   constraints (pg_get_constraintdef, NOT VALID; not PostgreSQL 18's NOT NULL constraints: the
//   column says NOT NULL), triggers, enum labels in order, domains, functions and procedures by
//   identity arguments (result, language, body), row-level security policies, extensions.
// - Not compared: column order, comments, grants, ownership, statistics, data.
// - A child of an object that is itself added or missing (a left-behind table's columns, indexes,
//   constraints, triggers, owned sequences) is not listed again.

/** Runs a read-only catalog query; rows as objects. */
export type CatalogQuery = (sql: string) => Promise<Record<string, unknown>[]>;

export interface CatalogEntry {
  /** How a person names it: "index orders_note_idx on public.orders", "column public.orders.total". */
  label: string;
  /** Compared properties: name → value ("" name: the value alone is the phrase, e.g. NOT NULL / nullable). */
  props: Record<string, string>;
  /** Shown when it is added, left behind or missing (CREATE INDEX ..., a constraint's definition). */
  def?: string;
  /** The key of the relation (or type) it belongs to. */
  parent?: string;
}

export type CatalogSnapshot = Map<string, CatalogEntry>;

const USER_NS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`;
const notExtension = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

const REL_KIND: Record<string, string> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table' };
const TRIGGER_STATE: Record<string, string> = { O: 'enabled', D: 'disabled', R: 'enabled on replica only', A: 'always enabled' };
const PRO_KIND: Record<string, string> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window function' };

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const q = (s: string): string => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);
const rel = (schema: unknown, name: unknown): string => `${q(str(schema))}.${q(str(name))}`;

/** The catalog of the user's schemas, as the current transaction sees it. */
export async function snapshotCatalog(query: CatalogQuery): Promise<CatalogSnapshot> {
  const out: CatalogSnapshot = new Map();
  const put = (key: string, e: CatalogEntry) => out.set(key, e);

  for (const r of await query(`SELECT n.nspname FROM pg_namespace n WHERE ${USER_NS} AND ${notExtension('pg_namespace', 'n.oid')}`)) {
    put(`schema ${str(r.nspname)}`, { label: `schema ${q(str(r.nspname))}`, props: {} });
  }

  for (const r of await query(`
    SELECT n.nspname, c.relname, c.relkind::text AS relkind, c.relpersistence::text AS persistence, c.relrowsecurity AS rls,
      CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def,
      s.seqtypid::regtype::text AS seqtype, s.seqincrement::text AS seqincrement, s.seqmin::text AS seqmin, s.seqmax::text AS seqmax, s.seqcycle AS seqcycle,
      (SELECT rn.nspname || '.' || rc.relname FROM pg_depend d JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) AS owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${USER_NS} AND ${notExtension('pg_class', 'c.oid')}`)) {
    const kind = REL_KIND[str(r.relkind)] ?? 'relation';
    const props: Record<string, string> = { kind };
    if (r.persistence === 'u') props[''] = 'UNLOGGED';
    if (r.rls === true) props['row-level security'] = 'enabled';
    if (r.def !== null && r.def !== undefined) props.definition = str(r.def).trim();
    if (r.relkind === 'S') {
      props.type = str(r.seqtype);
      props.increment = str(r.seqincrement);
      props.bounds = `${str(r.seqmin)}..${str(r.seqmax)}${r.seqcycle === true ? ' CYCLE' : ''}`;
    }
    const owner = r.owner ? `relation ${str(r.owner)}` : undefined;
    put(`relation ${str(r.nspname)}.${str(r.relname)}`, { label: `${kind} ${rel(r.nspname, r.relname)}`, props, ...(owner ? { parent: owner } : {}) });
  }

  for (const r of await query(`
    SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
      pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity::text AS identity, a.attgenerated::text AS generated
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_NS} AND ${notExtension('pg_class', 'c.oid')}`)) {
    const props: Record<string, string> = { type: str(r.type), '': r.notnull === true ? 'NOT NULL' : 'nullable' };
    const generated = r.generated === 's' ? 'stored' : r.generated === 'v' ? 'virtual' : '';
    if (generated) props.generated = `GENERATED ALWAYS AS (${str(r.def)}) ${generated.toUpperCase()}`;
    else props.default = r.def === null || r.def === undefined ? 'none' : str(r.def);
    if (r.identity === 'a') props.identity = 'GENERATED ALWAYS AS IDENTITY';
    else if (r.identity === 'd') props.identity = 'GENERATED BY DEFAULT AS IDENTITY';
    const t = `${str(r.nspname)}.${str(r.relname)}`;
    put(`column ${t}.${str(r.attname)}`, { label: `column ${rel(r.nspname, r.relname)}.${q(str(r.attname))}`, props, def: str(r.type) + (r.notnull === true ? ' NOT NULL' : ''), parent: `relation ${t}` });
  }

  for (const r of await query(`
    SELECT n.nspname, ci.relname AS index, tn.nspname AS tschema, ct.relname AS tname, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace
      JOIN pg_class ct ON ct.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = ct.relnamespace
    WHERE ${USER_NS} AND ${notExtension('pg_class', 'ct.oid')}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))`)) {
    put(`index ${str(r.nspname)}.${str(r.index)}`, {
      label: `index ${q(str(r.index))} on ${rel(r.tschema, r.tname)}`, props: { definition: str(r.def) }, def: str(r.def),
      parent: `relation ${str(r.tschema)}.${str(r.tname)}`,
    });
  }

  for (const r of await query(`
    SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) AS def, k.convalidated AS valid
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype <> 'n' AND ${USER_NS} AND ${notExtension('pg_class', 'c.oid')}`)) {
    const def = str(r.def);
    const t = `${str(r.nspname)}.${str(r.relname)}`;
    put(`constraint ${t}.${str(r.conname)}`, {
      label: `constraint ${q(str(r.conname))} on ${rel(r.nspname, r.relname)}`,
      props: { definition: def, '': r.valid === false ? 'NOT VALID' : 'validated' }, def, parent: `relation ${t}`,
    });
  }

  for (const r of await query(`
    SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled::text AS enabled
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_NS} AND ${notExtension('pg_class', 'c.oid')}`)) {
    const t = `${str(r.nspname)}.${str(r.relname)}`;
    put(`trigger ${t}.${str(r.tgname)}`, {
      label: `trigger ${q(str(r.tgname))} on ${rel(r.nspname, r.relname)}`,
      props: { definition: str(r.def), '': TRIGGER_STATE[str(r.enabled)] ?? str(r.enabled) }, def: str(r.def), parent: `relation ${t}`,
    });
  }

  for (const r of await query(`
    SELECT n.nspname, t.typname, t.typtype::text AS typtype,
      (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
      CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base, t.typnotnull AS notnull, t.typdefault AS def,
      (SELECT string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n') AS checks
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd') AND ${USER_NS} AND ${notExtension('pg_type', 't.oid')}`)) {
    const name = rel(r.nspname, r.typname);
    const key = `type ${str(r.nspname)}.${str(r.typname)}`;
    if (r.typtype === 'e') put(key, { label: `enum type ${name}`, props: { labels: `(${str(r.labels)})` }, def: `(${str(r.labels)})` });
    else {
      const props: Record<string, string> = { type: str(r.base), '': r.notnull === true ? 'NOT NULL' : 'nullable', default: r.def === null || r.def === undefined ? 'none' : str(r.def) };
      if (r.checks) props.checks = str(r.checks);
      put(key, { label: `domain ${name}`, props, def: str(r.base) });
    }
  }

  for (const r of await query(`
    SELECT n.nspname, p.proname, p.prokind::text AS kind, pg_get_function_identity_arguments(p.oid) AS args,
      pg_get_function_result(p.oid) AS result, l.lanname AS language, md5(coalesce(p.prosrc, '')) AS body
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE ${USER_NS} AND ${notExtension('pg_proc', 'p.oid')}`)) {
    const kind = PRO_KIND[str(r.kind)] ?? 'function';
    const sig = `${rel(r.nspname, r.proname)}(${str(r.args)})`;
    const props: Record<string, string> = { language: str(r.language), body: str(r.body) };
    if (r.result !== null && r.result !== undefined) props.result = str(r.result);
    put(`function ${str(r.nspname)}.${str(r.proname)}(${str(r.args)})`, { label: `${kind} ${sig}`, props });
  }

  for (const r of await query(`
    SELECT p.schemaname, p.tablename, p.policyname, p.permissive, p.roles::text AS roles, p.cmd, p.qual, p.with_check
    FROM pg_policies p WHERE p.schemaname NOT IN ('pg_catalog', 'information_schema')`)) {
    const t = `${str(r.schemaname)}.${str(r.tablename)}`;
    const def = `${str(r.permissive)} FOR ${str(r.cmd)} TO ${str(r.roles)}${r.qual ? ` USING (${str(r.qual)})` : ''}${r.with_check ? ` WITH CHECK (${str(r.with_check)})` : ''}`;
    put(`policy ${t}.${str(r.policyname)}`, { label: `policy ${q(str(r.policyname))} on ${rel(r.schemaname, r.tablename)}`, props: { definition: def }, def, parent: `relation ${t}` });
  }

  for (const r of await query(`SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'`)) {
    put(`extension ${str(r.extname)}`, { label: `extension ${str(r.extname)}`, props: { version: str(r.extversion) } });
  }
  return out;
}

/**
 * What differs from `a` to `b`. `mode` 'changes': what a migration did ("index … added: CREATE INDEX …",
 * "column …: type integer → numeric(10,2)"); 'rollback': what the rollback left different from
 * before the migration ("index … left behind: …", "column …: type integer before, numeric(10,2)
 * after the rollback", "table … missing after the rollback"). Sorted; children of added or missing
 * objects left out.
 */
export function diffCatalogs(a: CatalogSnapshot, b: CatalogSnapshot, mode: 'changes' | 'rollback'): string[] {
  const added = new Set<string>(), gone = new Set<string>();
  for (const k of b.keys()) if (!a.has(k)) added.add(k);
  for (const k of a.keys()) if (!b.has(k)) gone.add(k);
  const lines: { key: string; text: string }[] = [];
  const withDef = (e: CatalogEntry, text: string) => (e.def ? `${text}: ${e.def}` : text);
  for (const k of added) {
    const e = b.get(k)!;
    if (e.parent && added.has(e.parent)) continue;
    lines.push({ key: k, text: withDef(e, `${e.label} ${mode === 'changes' ? 'added' : 'left behind'}`) });
  }
  for (const k of gone) {
    const e = a.get(k)!;
    if (e.parent && gone.has(e.parent)) continue;
    lines.push({ key: k, text: withDef(e, `${e.label} ${mode === 'changes' ? 'dropped' : 'missing after the rollback'}`) });
  }
  for (const [k, before] of a) {
    const after = b.get(k);
    if (!after) continue;
    const names = [...new Set([...Object.keys(before.props), ...Object.keys(after.props)])].sort();
    for (const name of names) {
      const x = before.props[name] ?? 'none', y = after.props[name] ?? 'none';
      if (x === y) continue;
      const what = name === 'body' ? 'body' : name;
      let text: string;
      if (name === 'body') text = `${after.label}: the body ${mode === 'changes' ? 'changed' : 'differs from the one before'}`;
      else if (mode === 'changes') text = `${after.label}: ${what ? `${what} ` : ''}${x} → ${y}`;
      else text = `${after.label}: ${what ? `${what} ` : ''}${x} before, ${y} after the rollback`;
      lines.push({ key: k, text });
    }
  }
  lines.sort((p, r) => (p.key < r.key ? -1 : p.key > r.key ? 1 : p.text < r.text ? -1 : p.text > r.text ? 1 : 0));
  return lines.map((l) => l.text);
}
