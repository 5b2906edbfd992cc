// The replayed schema as the agent's tools show it: every family's tables (a MySQL project's own, a
// mixed project's both), where each thing was defined (file:line as the user sees it), and a table
// found from what a model writes (`orders`, `public.orders`, `"Order Items"`, `Orders`).
import type { Project } from '../engine/project';
import type { DialectFamily } from '../dialects/types';
import type { Loc } from '../model';
import { closest } from '../rules/query/names';
import type { Schema, Table } from '../schema';
import type { ToolContext } from './tool';

export interface FamilySchema { family: DialectFamily; schema: Schema }

/** The project's schemas: the main family's first, then another family's when files of it exist. */
export function familySchemas(project: Project): FamilySchema[] {
  const main = project.mainFamily();
  const out: FamilySchema[] = [{ family: main, schema: project.schema() }];
  const other = project.order().find((f) => f.dialect.family !== main && !f.otherDialect);
  if (other) out.push({ family: other.dialect.family, schema: project.schemaFor(other.path) });
  return out;
}

export function familyLabel(f: DialectFamily): string { return f === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL'; }

/** Where a location is, as the user reads it: `migrations/002_create_orders.sql:9`. */
export function whereOf(ctx: ToolContext, loc: Loc | undefined): string {
  if (!loc) return 'unknown';
  const file = ctx.project.getFile(loc.path);
  if (file) return `${ctx.showPath(loc.path)}:${file.lines.position(loc.start).line + 1}`;
  const base = ctx.project.activeBaseFile();
  if (base && base.path === loc.path) return `the live database's catalog (line ${base.lines.position(loc.start).line + 1} of its DDL)`;
  const tool = /^\((.*) history table\)$/.exec(loc.path);
  if (tool) return `${tool[1]} (its history table, made by the tool itself)`;
  return loc.path;
}

/** A table name as a model writes it, split into its parts: quoted parts keep their case, others fold to lower case. */
export function parseName(input: string): { parts: string[]; quoted: boolean[] } | undefined {
  const parts: string[] = [], quoted: boolean[] = [];
  let i = 0;
  const s = input.trim();
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"' || ch === '`') {
      let j = i + 1, name = '';
      for (; j < s.length; j++) {
        if (s[j] === ch) { if (s[j + 1] === ch) { name += ch; j++; continue; } break; }
        name += s[j];
      }
      if (j >= s.length) return undefined; // unclosed quote
      parts.push(name); quoted.push(true);
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      const name = s.slice(i, j).trim();
      if (!name) return undefined;
      parts.push(name); quoted.push(false);
      i = j;
    }
    if (i < s.length) { if (s[i] !== '.') return undefined; i++; if (i >= s.length) return undefined; }
  }
  return parts.length >= 1 && parts.length <= 3 ? { parts: parts.slice(-2), quoted: quoted.slice(-2) } : undefined;
}

export interface Found { table: Table; schema: Schema; family: DialectFamily }

/**
 * The table (or view) the name means: exact (unquoted parts folded to lower case), then ignoring
 * case when that leaves one. Undefined: not found (see suggestions()).
 */
export function findTable(schemas: FamilySchema[], input: string): Found | undefined {
  const n = parseName(input);
  if (!n) return undefined;
  const [name, schemaName] = n.parts.length === 2 ? [n.parts[1], n.parts[0]] : [n.parts[0], undefined];
  const nameQ = n.quoted[n.quoted.length - 1];
  const schemaQ = n.parts.length === 2 ? n.quoted[0] : false;
  for (const fs of schemas) {
    const fold = (s: string, q: boolean) => (q ? s : s.toLowerCase());
    const exact = fs.schema.table(schemaName === undefined ? undefined : fold(schemaName, schemaQ), fold(name, nameQ));
    if (exact) return { table: exact, schema: fs.schema, family: fs.family };
  }
  // ignoring case (MySQL, or a model that capitalised an unquoted name that was created quoted)
  const hits: Found[] = [];
  for (const fs of schemas) for (const t of fs.schema.tables.values()) {
    if (t.name.toLowerCase() === name.toLowerCase() && (schemaName === undefined || t.schema.toLowerCase() === schemaName.toLowerCase())) hits.push({ table: t, schema: fs.schema, family: fs.family });
  }
  return hits.length === 1 ? hits[0] : undefined;
}

/** The closest table names to what was asked for (did-you-mean), schema-qualified when not public. */
export function suggestions(schemas: FamilySchema[], input: string): string[] {
  const n = parseName(input);
  const name = n ? n.parts[n.parts.length - 1] : input.trim();
  const byName = new Map<string, string[]>();
  for (const fs of schemas) for (const t of fs.schema.tables.values()) {
    const list = byName.get(t.name) ?? [];
    list.push(displayName(t.key, fs.family));
    byName.set(t.name, list);
  }
  const near = closest(name, byName.keys());
  // a name inside another (order -> orders, order_items) also helps when the edit distance is large
  const within = near.length ? [] : [...byName.keys()].filter((k) => name.length >= 3 && (k.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(k.toLowerCase())));
  return [...near, ...within].slice(0, 5).flatMap((k) => byName.get(k)!);
}

/**
 * A table key as the dialect writes it: PostgreSQL schema-qualified (`public.orders`, `public."Order Items"`);
 * MySQL without the model's default schema, which MySQL does not have (`orders`, `` `Order Items` ``, `shop.orders`).
 */
export function displayName(key: string, family: DialectFamily = 'postgres'): string {
  const i = key.indexOf('.');
  const schema = key.slice(0, i), name = key.slice(i + 1);
  if (family === 'mysql') {
    const b = (s: string) => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(s) ? s : `\`${s.replace(/`/g, '``')}\``);
    return schema === 'public' || !schema ? b(name) : `${b(schema)}.${b(name)}`;
  }
  const q = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);
  return `${q(schema)}.${q(name)}`;
}

/** The word before a place: "created at file:line", or "created by golang-migrate (its history table...)". */
export function createdWhere(ctx: ToolContext, loc: Loc | undefined): string {
  const w = whereOf(ctx, loc);
  return loc && /^\(.* history table\)$/.test(loc.path) ? `created by ${w}` : `created at ${w}`;
}
