// What completion should offer at a position, found from the text around the cursor: the statement
// being typed rarely parses, so this works on tokens (comments, strings, quoted identifiers and
// dollar quotes understood), within the statement the splitter (sql/split.ts) puts the cursor in.
// Pure: text in, a description of the context out (handlers/completion.ts turns it into items).

import { splitStatements } from '../sql/split';

export type TokKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'op' | 'param';

export interface Tok {
  kind: TokKind;
  /** Source text. */
  text: string;
  /** Identifier value: lowercase for words, unescaped for quoted identifiers; text otherwise. */
  v: string;
  start: number;
  end: number;
  /** Parenthesis depth, and the id of the parenthesised group the token is in (0: the statement). */
  depth: number;
  group: number;
  /** For '(': the group it opens. */
  opens?: number;
}

/** A relation a statement reads or writes, with the alias it is known by. */
export interface RelRef {
  schema?: string;
  name: string;
  alias?: string;
  /** Group (parenthesised part) it is declared in: visible there and in the groups nested in it. */
  group: number;
  /** A subquery, function call or VALUES list: its columns are not known from the schema. */
  derived?: boolean;
}

export type Context =
  | { kind: 'none' }
  /** Statement start: the statement keywords. */
  | { kind: 'statement' }
  /** A relation name: after FROM, JOIN, UPDATE, INTO, TABLE, ALTER TABLE, REFERENCES...; `schema` when the user typed `schema.`. */
  | { kind: 'relation'; schema?: string }
  /** Keywords that may follow a relation in FROM (WHERE, JOIN...). */
  | { kind: 'after-relation'; join: boolean }
  /** The columns of one relation (after `alias.`, in INSERT INTO t (…), UPDATE t SET …, ALTER TABLE t ALTER COLUMN …). */
  | { kind: 'columns-of'; rel: RelRef | undefined; qualifier?: string; alsoRelations?: string }
  /** An expression: the columns of the relations in scope, their aliases, functions and keywords. */
  | { kind: 'expression'; clause: string; scope: RelRef[] };

export interface CompletionContext {
  context: Context;
  /** The text being replaced (the partial name typed so far, without qualifier). */
  replaceStart: number;
  replaceEnd: number;
  /** What the user has typed of the name (`"Us` for a quoted start). */
  prefix: string;
  /** True when the typed prefix opens a quoted identifier. */
  quoted: boolean;
  /** Lower-case keywords wanted (the statement's first keyword is written in lower case). */
  lowerKeywords: boolean;
  /** Every relation the statement names (all groups), and its CTE names. */
  relations: RelRef[];
  ctes: string[];
}

/** A span without completion: a comment or a string; 'body' for the inside of a dollar quote. */
export type Inert = [number, number] | [number, number, 'body'];

/** Statement bounds as the splitter gives them. */
export interface Bounds { start: number; end: number }

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Words after which a relation name comes. */
const RELATION_AFTER = new Set(['from', 'join', 'update', 'into', 'table', 'references', 'only', 'truncate']);
const JOIN_WORDS = new Set(['join', 'left', 'right', 'inner', 'full', 'cross', 'natural', 'outer', 'lateral']);
/** Words that end a FROM item (never aliases). */
const NOT_ALIAS = new Set([
  'where', 'join', 'left', 'right', 'inner', 'full', 'cross', 'natural', 'on', 'using', 'group', 'order', 'limit', 'offset',
  'set', 'returning', 'union', 'intersect', 'except', 'window', 'for', 'fetch', 'lateral', 'tablesample', 'values', 'select',
  'default', 'do', 'having', 'as', 'outer', 'with', 'into', 'from', 'overriding', 'on', 'when', 'then', 'partition', 'inherits',
  'add', 'alter', 'drop', 'rename', 'owner', 'enable', 'disable', 'attach', 'detach', 'cluster', 'validate', 'replica', 'if',
  'only', 'and', 'or', 'not', 'is', 'in', 'by', 'asc', 'desc', 'nulls', 'row', 'rows', 'conflict', 'insert', 'update', 'delete',
]);
/** Clause words tracked per group (what kind of text the cursor is in). */
const CLAUSES = new Set(['select', 'from', 'where', 'on', 'using', 'group', 'order', 'having', 'limit', 'offset', 'set', 'values', 'returning', 'into', 'update', 'insert', 'delete', 'window', 'with', 'table', 'by', 'when', 'then', 'else', 'and', 'or', 'case', 'join']);
const EXPRESSION_CLAUSES = new Set(['select', 'where', 'on', 'group', 'order', 'having', 'set', 'returning', 'using', 'when', 'then', 'else', 'case', 'values']);
/** PL/pgSQL words a statement can follow without a `;`. */
const PLPGSQL_OPENERS = new Set(['begin', 'loop', 'then', 'else']);
/** Words that start a statement: after the cursor, one at the start of a line ends the statement being typed. */
const NEW_STATEMENT = new Set(['create', 'alter', 'drop', 'insert', 'update', 'delete', 'grant', 'revoke', 'comment', 'begin', 'commit', 'truncate']);

/** Splits text[from, to) into tokens; `stopAfter`: stop at a `;` at depth 0 or a new statement after that offset. */
export function tokenize(text: string, from: number, to: number, stopAfter = Infinity, mysql = false): { toks: Tok[]; inert: Inert[]; parents: Map<number, number> } {
  const toks: Tok[] = [];
  /** Spans of comments and strings (no completion inside). */
  const inert: Inert[] = [];
  let depth = 0;
  const stack: number[] = [0];
  let nextGroup = 1;
  const parents = new Map<number, number>();
  let i = from;
  let lineStart = true;
  while (i < to) {
    const c = text[i];
    if (c === '\n') { lineStart = true; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') { i++; continue; }
    const start = i;
    const firstOnLine = lineStart;
    lineStart = false;
    if ((c === '-' && text[i + 1] === '-') || (mysql && c === '#')) {
      while (i < to && text[i] !== '\n') i++;
      inert.push([start, i]);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let d = 1; i += 2;
      while (i < to && d > 0) {
        if (text[i] === '/' && text[i + 1] === '*') { d++; i += 2; } else if (text[i] === '*' && text[i + 1] === '/') { d--; i += 2; } else i++;
      }
      inert.push([start, d > 0 ? Infinity : i]);
      continue;
    }
    const push = (kind: TokKind, end: number, v?: string) => {
      const t = text.slice(start, end);
      toks.push({ kind, text: t, v: v ?? t, start, end, depth, group: stack[stack.length - 1] });
      i = end;
    };
    // MySQL: '...' and "..." are strings with backslash escapes, `...` a name (compared case-insensitively)
    if (mysql && (c === "'" || c === '"')) {
      let j = i + 1;
      let closed = false;
      while (j < to) {
        if (text[j] === '\\') { j += 2; continue; }
        if (text[j] === c) { if (text[j + 1] === c) { j += 2; continue; } j++; closed = true; break; }
        j++;
      }
      inert.push([start, closed ? j - 1 : Infinity]);
      push('string', Math.min(j, to));
      continue;
    }
    if (mysql && c === '`') {
      let j = i + 1;
      let v = '';
      while (j < to) {
        if (text[j] === '`') { if (text[j + 1] === '`') { v += '`'; j += 2; continue; } j++; break; }
        v += text[j]; j++;
      }
      push('quoted', Math.min(j, to), v.toLowerCase());
      continue;
    }
    if (c === "'" || ((c === 'E' || c === 'e' || c === 'B' || c === 'b' || c === 'X' || c === 'x') && text[i + 1] === "'")) {
      const esc = c === 'E' || c === 'e';
      let j = c === "'" ? i + 1 : i + 2;
      let closed = false;
      while (j < to) {
        if (esc && text[j] === '\\') { j += 2; continue; }
        if (text[j] === "'") { if (text[j + 1] === "'") { j += 2; continue; } j++; closed = true; break; }
        j++;
      }
      inert.push([start + (c === "'" ? 0 : 1), closed ? j - 1 : Infinity]);
      push('string', Math.min(j, to));
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < to) {
        if (text[j] === '"') { if (text[j + 1] === '"') { v += '"'; j += 2; continue; } j++; break; }
        v += text[j]; j++;
      }
      push('quoted', Math.min(j, to), v);
      continue;
    }
    if (c === '$' && !mysql) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        const end = close < 0 || close >= to ? to : close + m[0].length;
        inert.push([start + m[0].length, close < 0 || close >= to ? Infinity : close, 'body']);
        push('string', end);
        continue;
      }
      let j = i + 1;
      while (j < to && /[0-9]/.test(text[j])) j++;
      push('param', Math.max(j, i + 1));
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < to && IDENT_CHAR.test(text[j])) j++;
      const v = text.slice(i, j).toLowerCase();
      if (start > stopAfter && depth === 0 && firstOnLine && NEW_STATEMENT.has(v)) break;
      push('word', j, v);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < to && /[0-9.eE_]/.test(text[j])) j++;
      push('number', j);
      continue;
    }
    if (c === '(') {
      push('punct', i + 1);
      const g = nextGroup++;
      toks[toks.length - 1].opens = g;
      parents.set(g, stack[stack.length - 1]);
      depth++; stack.push(g);
      continue;
    }
    if (c === ')') { if (depth > 0) { depth--; stack.pop(); } push('punct', i + 1); continue; }
    if (c === ';') {
      if (depth === 0 && start >= stopAfter) break;
      push('punct', i + 1);
      continue;
    }
    if (c === ',' || c === '.' || c === '[' || c === ']') { push('punct', i + 1); continue; }
    if (c === ':' && text[i + 1] === ':') { push('op', i + 2); continue; }
    let j = i + 1;
    while (j < to && /[+\-*/<>=~!@#%^&|`?]/.test(text[j]) && !(text[j] === '-' && text[j + 1] === '-') && !(text[j] === '/' && text[j + 1] === '*')) j++;
    push('op', j);
  }
  return { toks, inert, parents };
}

/** A name: a word or a quoted identifier. */
function isName(t: Tok | undefined): boolean { return !!t && (t.kind === 'word' || t.kind === 'quoted'); }

/**
 * Relations a statement names, per group, with aliases (also those declared after the cursor), and
 * the names its WITH clause defines.
 */
export function relationsOf(toks: Tok[]): { relations: RelRef[]; ctes: string[] } {
  const relations: RelRef[] = [];
  const ctes: string[] = [];
  const clause = new Map<number, string>();
  // the ')' closing each '(' (one pass: a statement with many subqueries stays linear)
  const closeOf = new Map<number, number>();
  const stack: number[] = [];
  for (let k = 0; k < toks.length; k++) {
    if (toks[k].text === '(') stack.push(k);
    else if (toks[k].text === ')' && stack.length) closeOf.set(stack.pop()!, k);
  }
  const matching = (open: number): number => closeOf.get(open) ?? toks.length - 1;
  /** Reads `[AS] alias` at k; returns the alias and the index after it. */
  const aliasAt = (k: number): { alias?: string; next: number } => {
    let t = toks[k];
    if (t?.kind === 'word' && t.v === 'as') { const a = toks[k + 1]; return isName(a) ? { alias: a.v, next: k + 2 } : { next: k + 1 }; }
    if (isName(t) && !(t.kind === 'word' && NOT_ALIAS.has(t.v))) return { alias: t.v, next: k + 1 };
    t = toks[k];
    return { next: k };
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'word' && CLAUSES.has(t.v)) clause.set(t.group, t.v);
    // WITH name [(cols)] AS [NOT] [MATERIALIZED] ( ... ) [, name AS (...)]
    if (t.kind === 'word' && t.v === 'with' || (t.text === ',' && clause.get(t.group) === 'with')) {
      let j = k + 1;
      if (toks[j]?.v === 'recursive') j++;
      const name = toks[j];
      if (isName(name)) {
        let m = j + 1;
        if (toks[m]?.text === '(') m = matching(m) + 1;
        if (toks[m]?.v === 'as') { ctes.push(name.v); clause.set(t.group, 'with'); }
      }
      continue;
    }
    const startsRelation = (t.kind === 'word' && RELATION_AFTER.has(t.v) && t.v !== 'only')
      || (t.text === ',' && clause.get(t.group) === 'from');
    if (!startsRelation) continue;
    // `INSERT INTO t`, `UPDATE t`, `DELETE FROM t`, `FROM a, b`, `JOIN c`, `TABLE t`, `REFERENCES t`
    if (t.v === 'into' && clause.get(t.group) !== 'insert' && toks[k - 1]?.v !== 'insert' && toks[k - 1]?.v !== 'merge') continue;
    if (t.v === 'table' && !['alter', 'lock', 'truncate'].includes(toks[k - 1]?.v ?? '') && !(k === 0 || toks[k - 1]?.text === '(' || toks[k - 1]?.text === ';')) continue;
    if (t.v === 'update' && toks[k - 1]?.v === 'do') continue;
    if (t.v === 'update' && (toks[k - 1]?.v === 'for' || toks[k - 1]?.v === 'key' || toks[k - 1]?.v === 'no')) continue;
    if (t.v === 'from' && ['distinct', 'is'].includes(toks[k - 1]?.v ?? '')) continue; // IS DISTINCT FROM
    if (t.v === 'from') clause.set(t.group, 'from');
    let j = k + 1;
    while (toks[j]?.kind === 'word' && (toks[j].v === 'only' || toks[j].v === 'lateral' || (toks[j].v === 'if' && toks[j + 1]?.v === 'exists') || (toks[j].v === 'exists' && toks[j - 1]?.v === 'if'))) j++;
    const first = toks[j];
    if (!first) continue;
    if (first.text === '(') {
      const close = matching(j);
      const a = aliasAt(close + 1);
      relations.push({ name: a.alias ?? '', alias: a.alias, group: t.group, derived: true });
      continue;
    }
    if (!isName(first) || (first.kind === 'word' && NOT_ALIAS.has(first.v) && first.v !== 'only')) continue;
    let schema: string | undefined;
    let name = first.v;
    let m = j + 1;
    if (toks[m]?.text === '.' && isName(toks[m + 1])) { schema = name; name = toks[m + 1].v; m += 2; }
    if (toks[m]?.text === '*') m++;
    // a function in FROM: generate_series(...) g
    if (toks[m]?.text === '(' && t.v !== 'into' && t.v !== 'references' && t.v !== 'table') {
      const close = matching(m);
      const a = aliasAt(close + 1);
      relations.push({ name: a.alias ?? name, alias: a.alias, group: t.group, derived: true });
      continue;
    }
    const a = t.v === 'references' || t.v === 'table' ? { next: m } : aliasAt(m);
    relations.push({ schema, name, alias: a.alias, group: t.group });
  }
  return { relations, ctes };
}

/** A group and the groups enclosing it, innermost first. */
function groupChain(parents: Map<number, number>, group: number): number[] {
  const chain = [group];
  for (let g = group; g !== 0 && parents.has(g);) { g = parents.get(g)!; chain.push(g); }
  if (chain[chain.length - 1] !== 0) chain.push(0);
  return chain;
}

/** The relation `alias.` or `table.` stands for: an alias, else a relation name, innermost group first. */
export function resolveQualifier(relations: RelRef[], chain: number[], q: string): RelRef | undefined {
  const visible = (r: RelRef) => chain.includes(r.group);
  const order = [...relations].sort((a, b) => chain.indexOf(a.group) - chain.indexOf(b.group));
  return order.find((r) => visible(r) && r.alias === q)
    ?? order.find((r) => visible(r) && !r.alias && r.name === q)
    ?? relations.find((r) => r.alias === q)
    ?? order.find((r) => visible(r) && r.name === q);
}

/**
 * The completion context at `offset`. `statements`: the statement bounds of the file (sorted);
 * `text` should be the masked text (templates blanked) so that offsets match the file.
 */
export function completionContext(text: string, offset: number, statements: readonly Bounds[], depthBody = 0, mysql = false): CompletionContext {
  // the statement the cursor is in, or the one it follows
  let lo = 0, hi = statements.length - 1, at = -1;
  while (lo <= hi) { const mid = (lo + hi) >> 1; if (statements[mid].start <= offset) { at = mid; lo = mid + 1; } else hi = mid - 1; }
  const from = at >= 0 ? statements[at].start : 0;
  // the statement may run past its recorded end while it is typed: lex on to the next `;` (bounded)
  const limit = Math.min(text.length, Math.max(offset, at >= 0 ? statements[at].end : 0) + 20_000);
  const { toks: all, inert, parents } = tokenize(text, from, limit, offset, mysql);
  const none: CompletionContext = { context: { kind: 'none' }, replaceStart: offset, replaceEnd: offset, prefix: '', quoted: false, lowerKeywords: false, relations: [], ctes: [] };
  for (const span of inert) {
    const [s, e] = span;
    if (!(offset > s && offset <= e && !(e === offset && text[e - 1] === '\n'))) continue;
    // the body of a function or DO block is SQL (PL/pgSQL around it): its own statements, as a file of its own
    if (span[2] === 'body') {
      if (depthBody > 0 || !isRoutine(all, s)) return none;
      const end = e === Infinity ? text.length : e;
      const body = text.slice(s, end);
      const inner = completionContext(body, offset - s, splitStatements(body).statements, depthBody + 1);
      return { ...inner, replaceStart: inner.replaceStart + s, replaceEnd: inner.replaceEnd + s };
    }
    // inside a comment or string (the end of a -- comment is its line end: the next line is code again)
    if (e === Infinity || offset < e || text[s] === '-' || (mysql && text[s] === '#')) return none;
  }
  // a `;` before the cursor starts a new statement
  let first = 0;
  for (let k = 0; k < all.length && all[k].start < offset; k++) if (all[k].text === ';' && all[k].depth === 0 && all[k].end <= offset) first = k + 1;
  const toks = first ? all.slice(first) : all;
  // tokens before the cursor; the one the cursor is in or just after (a name being typed)
  let n = 0;
  while (n < toks.length && toks[n].end < offset) n++;
  let prefixTok: Tok | undefined;
  if (n < toks.length && toks[n].start < offset && toks[n].end >= offset && isName(toks[n])) prefixTok = toks[n];
  else if (n < toks.length && toks[n].start < offset && toks[n].end >= offset && toks[n].kind !== 'punct' && toks[n].kind !== 'op') return none; // in a number or a parameter
  const before = toks.slice(0, prefixTok ? n : toks.findIndex((t) => t.start >= offset) < 0 ? toks.length : toks.findIndex((t) => t.start >= offset));
  const replaceStart = prefixTok ? prefixTok.start : offset;
  const prefix = prefixTok ? text.slice(prefixTok.start, offset) : '';
  const quoted = prefix.startsWith(mysql ? '`' : '"');
  const { relations, ctes } = relationsOf(toks);
  const firstWord = toks.find((t) => t.kind === 'word');
  const lowerKeywords = !!firstWord && firstWord.text === firstWord.text.toLowerCase();
  const base = { replaceStart, replaceEnd: prefixTok ? Math.max(offset, prefixTok.end) : offset, prefix, quoted, lowerKeywords, relations, ctes };
  const done = (context: Context): CompletionContext => ({ context, ...base });

  // qualifier: `x.` or `s.x.` just before
  let k = before.length - 1;
  const qualifier: string[] = [];
  while (k >= 1 && before[k].text === '.' && isName(before[k - 1]) && before[k].end === (qualifier.length ? before[k].end : before[k].end)) {
    qualifier.unshift(before[k - 1].v);
    k -= 2;
  }
  const prev = before[k];
  const prev2 = before[k - 1];
  // the group the cursor is in: just after '(' it is the group that '(' opened
  const cursorGroup = prefixTok ? prefixTok.group : prev ? (prev.text === '(' ? prev.opens! : prev.group) : 0;
  const chain = groupChain(parents, cursorGroup);

  // the clause the cursor is in: the last clause word of its group before it
  let clause = '';
  let stmtWord = '';
  // the clause of the cursor's group; in a group without one (a call's arguments: date_trunc('day', |)) the enclosing group's
  let clauseGroup = cursorGroup;
  for (const g of chain) {
    for (let j = k; j >= 0 && !clause; j--) {
      const t = before[j];
      if (t.group === g && t.kind === 'word' && CLAUSES.has(t.v)) clause = t.v;
    }
    if (clause) { clauseGroup = g; break; }
  }
  // (inside a PL/pgSQL body a statement may follow BEGIN, LOOP, THEN or ELSE without a `;`)
  for (const t of before) if (t.group === cursorGroup && t.kind === 'word' && !(depthBody > 0 && PLPGSQL_OPENERS.has(t.v))) { stmtWord = t.v; break; }
  if (clause === 'by') {
    for (let j = k; j >= 0; j--) if (before[j].group === clauseGroup && (before[j].v === 'group' || before[j].v === 'order' || before[j].v === 'partition')) { clause = before[j].v; break; }
  }
  if (['and', 'or', 'when', 'then', 'else', 'case'].includes(clause)) {
    // the enclosing clause decides the scope; these only say "an expression"
    let j = k;
    for (; j >= 0; j--) { const t = before[j]; if (t.group === clauseGroup && t.kind === 'word' && CLAUSES.has(t.v) && !['and', 'or', 'when', 'then', 'else', 'case'].includes(t.v)) break; }
    clause = j >= 0 ? before[j].v : 'where';
    if (clause === 'by') clause = 'order';
  }

  const relsInScope = (): RelRef[] => relations.filter((r) => chain.includes(r.group));

  if (qualifier.length) {
    const q = qualifier[qualifier.length - 1];
    const relWord = prev?.kind === 'word' && (RELATION_AFTER.has(prev.v) || JOIN_WORDS.has(prev.v)) || (prev?.text === ',' && clause === 'from');
    if (relWord || (prev?.kind === 'word' && prev.v === 'exists' && prev2?.v === 'if')) return done({ kind: 'relation', schema: q });
    if (qualifier.length === 2) return done({ kind: 'columns-of', rel: { schema: qualifier[0], name: q, group: 0 }, qualifier: q });
    return done({ kind: 'columns-of', rel: resolveQualifier(relations, chain, q), qualifier: q, alsoRelations: q });
  }
  if (!prev || (prev.text === ';')) return done({ kind: 'statement' });
  // a relation name
  if (prev.kind === 'word') {
    if (RELATION_AFTER.has(prev.v) && prev.v !== 'into' && prev.v !== 'table' && prev.v !== 'update' && prev.v !== 'only') {
      if (prev.v === 'from' && ['distinct', 'is'].includes(prev2?.v ?? '')) return done({ kind: 'expression', clause, scope: relsInScope() });
      if (prev.v === 'from' && prev.group !== 0 && isCallGroup(all, prev)) return done({ kind: 'expression', clause: 'select', scope: relsInScope() });
      return done({ kind: 'relation' });
    }
    if (prev.v === 'into' && (prev2?.v === 'insert' || prev2?.v === 'merge')) return done({ kind: 'relation' });
    if (prev.v === 'update' && (!prev2 || prev2.text === ';' || prev2.text === '(' || prev2.v === 'as' || prev2.text === ')')) return done({ kind: 'relation' });
    if (prev.v === 'table' && (!prev2 || prev2.text === ';' || ['alter', 'lock', 'truncate', 'exists', 'only'].includes(prev2.v))) return done({ kind: 'relation' });
    if (prev.v === 'exists' && prev2?.v === 'if' && ['table', 'view'].includes(before[k - 2]?.v ?? '')) return done({ kind: 'relation' });
    if (prev.v === 'only' && ['from', 'table', 'update', 'join'].includes(prev2?.v ?? '')) return done({ kind: 'relation' });
    if (prev.v === 'on' && stmtWord === 'create' && before.some((t) => t.kind === 'word' && t.v === 'index' && t.group === 0)) return done({ kind: 'relation' });
    if (JOIN_WORDS.has(prev.v) && prev.v !== 'lateral') return done({ kind: 'after-relation', join: true });
  }
  // INSERT INTO t ( | ), REFERENCES t ( | ), CREATE INDEX ... ON t [USING m] ( | )
  if (cursorGroup !== 0 || prev.text === '(') {
    const open = openingParen(before, cursorGroup);
    if (open >= 0) {
      const target = relationBefore(before, open);
      if (target) return done({ kind: 'columns-of', rel: target });
    }
  }
  // UPDATE t SET | , ALTER TABLE t ALTER COLUMN |
  if (clause === 'set' && (prev.v === 'set' || prev.text === ',') && stmtWord === 'update') {
    const r = relations.find((x) => x.group === cursorGroup && !x.derived);
    if (r) return done({ kind: 'columns-of', rel: r });
  }
  // ALTER TABLE t ALTER [COLUMN] | , DROP [COLUMN] | , RENAME [COLUMN] |
  if (stmtWord === 'alter' && prev.kind === 'word' && prev2 && (
    (prev.v === 'column' && prev2.v !== 'add') || (['alter', 'drop', 'rename'].includes(prev.v) && (isName(prev2) || prev2.text === ',')))) {
    const r = relations.find((x) => x.group === 0 && !x.derived);
    if (r) return done({ kind: 'columns-of', rel: r });
  }
  // after a relation in FROM/JOIN: WHERE, JOIN... (or an alias being typed)
  if ((clause === 'from' || clause === 'join' || clause === 'update' || (clause === 'into' && stmtWord !== 'select')) && (isName(prev) || prev.text === ')')) {
    return done({ kind: 'after-relation', join: clause === 'join' });
  }
  if (clause === 'from' && prev.text === ',') return done({ kind: 'relation' });
  if (EXPRESSION_CLAUSES.has(clause) || clause === 'by' || clause === 'limit' || clause === 'offset' || clause === 'join') {
    if (stmtWord === 'create' || (stmtWord === 'alter' && clause !== 'using')) return done({ kind: 'none' });
    return done({ kind: 'expression', clause, scope: relsInScope() });
  }
  if (stmtWord === 'select' || stmtWord === 'with') return done({ kind: 'expression', clause: 'select', scope: relsInScope() });
  return done({ kind: 'none' });
}

/** True when the dollar quote at `bodyStart` is the body of CREATE FUNCTION/PROCEDURE or DO (SQL or PL/pgSQL). */
function isRoutine(all: Tok[], bodyStart: number): boolean {
  const words = all.filter((t) => t.kind === 'word' && t.start < bodyStart).slice(0, 4).map((t) => t.v);
  if (words[0] === 'do') return true;
  if (words[0] !== 'create') return false;
  const kind = words[1] === 'or' ? words[3] : words[1];
  if (kind !== 'function' && kind !== 'procedure') return false;
  // LANGUAGE plpython3u / c / ...: not SQL
  const lang = all.findIndex((t) => t.kind === 'word' && t.v === 'language');
  const name = lang >= 0 ? all[lang + 1]?.v.replace(/'/g, '') : undefined;
  return !name || name === 'sql' || name === 'plpgsql';
}

/** True when the group `t` is in is the argument list of a call (extract(x FROM y), substring(s FROM 2)). */
function isCallGroup(all: Tok[], t: Tok): boolean {
  for (let i = all.indexOf(t) - 1; i >= 0; i--) {
    if (all[i].text === '(' && all[i].depth === t.depth - 1) return all[i - 1]?.kind === 'word' && ['extract', 'substring', 'trim', 'overlay', 'position'].includes(all[i - 1].v);
  }
  return false;
}

/** Index in `before` of the '(' that opened `group` (-1 when not found). */
function openingParen(before: Tok[], group: number): number {
  for (let i = before.length - 1; i >= 0; i--) {
    if (before[i].opens === group) return i;
  }
  return -1;
}

/** `INTO t (`, `REFERENCES t (`, `ON t (`, `ON t USING gin (`: the relation named before the '(' at `open`. */
function relationBefore(before: Tok[], open: number): RelRef | undefined {
  let j = open - 1;
  if (before[j]?.kind === 'word' && before[j - 1]?.v === 'using' && before[j - 1]?.kind === 'word') j -= 2; // ON t USING gin (
  const name = before[j];
  if (!isName(name)) return undefined;
  let schema: string | undefined;
  let w = j - 1;
  if (before[w]?.text === '.' && isName(before[w - 1])) { schema = before[w - 1].v; w -= 2; }
  while (before[w]?.kind === 'word' && before[w].v === 'only') w--;
  const kw = before[w];
  if (kw?.kind !== 'word') return undefined;
  if (kw.v === 'into' || kw.v === 'references' || (kw.v === 'on' && before.some((t) => t.kind === 'word' && t.v === 'index'))) return { schema, name: name.v, group: kw.group };
  return undefined;
}
