// Small helpers over libpg-query's JSON AST.
import type { Node } from './parse';

/** The node's single key, e.g. "SelectStmt" for { SelectStmt: {...} }. */
export function kindOf(node: Node | undefined): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The payload of a wrapped node ({ X: payload } -> payload), or the node itself. */
export function inner(node: Node | undefined): Node | undefined {
  const k = kindOf(node);
  return k ? node![k] : node;
}

export interface Visit { kind: string; node: Node; parents: { kind: string; node: Node; key: string }[] }

/**
 * Walks every wrapped node ({ Kind: {...} }) below `root`, depth first, parents first.
 * Return false from the callback to skip a node's children.
 */
export function walk(root: Node | undefined, cb: (kind: string, node: Node, parents: Visit['parents']) => boolean | void): void {
  const parents: Visit['parents'] = [];
  const visit = (value: any, key: string) => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) { for (const v of value) visit(v, key); return; }
    const kind = wrappedKind(value);
    if (kind !== undefined) {
      const payload = value[kind];
      if (cb(kind, payload, parents) === false) return;
      parents.push({ kind, node: payload, key });
      for (const k in payload) visit(payload[k], k);
      parents.pop();
      return;
    }
    for (const k in value) visit(value[k], k);
  };
  visit(root, '');
}

/** The kind of a wrapped node ({ Kind: {...} }: one key, capitalised, an object payload), else undefined. */
function wrappedKind(value: any): string | undefined {
  // (for-in and a char-code test rather than Object.keys and a RegExp: same answer, less garbage.)
  let only: string | undefined, count = 0;
  for (const k in value) { if (++count > 1) return undefined; only = k; }
  if (count !== 1) return undefined;
  const c0 = only!.charCodeAt(0);
  const payload = value[only!];
  return c0 >= 65 && c0 <= 90 && payload && typeof payload === 'object' && !Array.isArray(payload) ? only : undefined;
}

/** String values of a list of { String: { sval } } nodes. */
export function strings(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => n?.String?.sval ?? n?.str ?? (n?.A_Star ? '*' : '')).filter((s: string) => s !== undefined);
}

/** A relation reference (RangeVar payload) as schema and name, lowercased as PostgreSQL folds them. */
export interface RelName { schema?: string; name: string; location?: number }
export function relName(rv: Node | undefined): RelName | undefined {
  if (!rv || !rv.relname) return undefined;
  return { schema: rv.schemaname, name: rv.relname, location: rv.location };
}

/** A type name as written, canonical (last name part) plus modifiers and array-ness. */
export interface TypeInfo { name: string; qualified: string[]; mods: number[]; array: boolean; location?: number }
export function typeInfo(tn: Node | undefined): TypeInfo | undefined {
  const t = tn?.TypeName ?? tn;
  if (!t || !t.names) return undefined;
  const names = strings(t.names);
  const mods: number[] = [];
  for (const m of t.typmods ?? []) {
    const v = m?.A_Const?.ival;
    if (v) mods.push(v.ival ?? 0);
  }
  return { name: names[names.length - 1].toLowerCase(), qualified: names, mods, array: !!t.arrayBounds, location: t.location };
}

/** A structural fingerprint of an expression: locations dropped, column references unqualified. */
export function shape(node: Node | undefined): string {
  return JSON.stringify(node, (key, value) => {
    if (key === 'location') return undefined;
    if (value && typeof value === 'object' && value.ColumnRef && Array.isArray(value.ColumnRef.fields)) {
      const f = value.ColumnRef.fields;
      return { ColumnRef: { fields: f.slice(-1) } };
    }
    return value;
  });
}

/** Column name of a ColumnRef payload (last field), or undefined for `*`. */
export function columnRefName(cr: Node): { table?: string; column?: string } {
  const f = strings(cr.fields);
  if (f.length === 0) return {};
  const last = f[f.length - 1];
  return { table: f.length >= 2 ? f[f.length - 2] : undefined, column: last === '*' ? undefined : last };
}

/** Smallest `location` found anywhere in a node (a good start for a range), or undefined. */
export function firstLocation(node: Node | undefined): number | undefined {
  let best: number | undefined;
  const visit = (v: any) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { v.forEach(visit); return; }
    for (const [k, val] of Object.entries(v)) {
      if (k === 'location' && typeof val === 'number' && val >= 0) { if (best === undefined || val < best) best = val; }
      else visit(val);
    }
  };
  visit(node);
  return best;
}
