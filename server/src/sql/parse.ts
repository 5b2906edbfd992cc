// The parser of record: libpg-query, PostgreSQL's own parser compiled to WebAssembly.
// Results are cached per statement text, so re-analysing an edited file re-parses only the
// statements that changed.
import * as pg from 'libpg-query';
import { ByteMap, codePointsToUtf16 } from '../text';

export type Node = Record<string, any>;

export interface ParsedStatement {
  /** The statement's node, e.g. { CreateStmt: {...} }; undefined on error or for an empty statement. */
  node?: Node;
  /** PostgreSQL's message and the UTF-16 offset (in the statement) it points at. */
  error?: { message: string; offset: number };
  /** Converts AST byte locations (relative to the statement) to UTF-16 offsets in the statement. */
  bytes: ByteMap;
  /** How many statements the text holds when more than one (only the first is analysed). */
  extra?: number;
}

let ready: Promise<void> | undefined;
let loaded = false;
/** Loads the WebAssembly module once; every parse waits for it. */
export function initParser(): Promise<void> {
  if (!ready) ready = pg.loadModule().then(() => { loaded = true; });
  return ready;
}
export function parserReady(): boolean { return loaded; }

const MAX_CACHE = 100_000;
const cache = new Map<string, ParsedStatement>();

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  if (map.size >= MAX_CACHE) {
    // drop the oldest tenth (Map keeps insertion order)
    let k = 0;
    for (const old of map.keys()) { map.delete(old); if (++k >= MAX_CACHE / 10) break; }
  }
  map.set(key, value);
  return value;
}


/**
 * An optional second-level store of parser output, as JSON text keyed by statement text (the CLI's
 * on-disk cache). "parse" entries hold libpg-query's tree or {"error":{message,cursorPosition}};
 * "scan" entries hold the token list of tokens().
 */
export interface ParseStore {
  get(kind: 'parse' | 'scan', text: string): string | undefined;
  set(kind: 'parse' | 'scan', text: string, json: string): void;
}
let store: ParseStore | undefined;
/** Installs (or removes) the second-level store. */
export function setParseStore(s: ParseStore | undefined): void { store = s; }

/** libpg-query's parse through the store: the tree, or throws an object carrying sqlDetails. */
function parseThroughStore(text: string, s: ParseStore): any {
  const hit = s.get('parse', text);
  let v: any;
  if (hit !== undefined) { try { v = JSON.parse(hit); } catch { v = undefined; } }
  if (v === undefined || v === null || typeof v !== 'object') {
    try {
      v = pg.parseSync(text);
    } catch (e: any) {
      const d = e?.sqlDetails;
      if (!d) throw e; // not a syntax error (e.g. the parser failed): never stored
      v = { error: { message: String(d.message ?? e?.message ?? e), cursorPosition: typeof d.cursorPosition === 'number' ? d.cursorPosition : 0 } };
    }
    s.set('parse', text, JSON.stringify(v));
  }
  if (v.error) throw { sqlDetails: v.error };
  return v;
}

/** Parses one statement (text as split from the file). Never throws. */
export function parseStatement(text: string): ParsedStatement {
  const hit = cache.get(text);
  if (hit) return hit;
  if (!loaded) throw new Error('parser not initialised: await initParser() first');
  const bytes = new ByteMap(text);
  let result: ParsedStatement;
  try {
    const tree = (store ? parseThroughStore(text, store) : pg.parseSync(text)) as any;
    const stmts = tree.stmts ?? [];
    if (stmts.length === 0) result = { bytes };
    else if (stmts.length === 1) result = { node: stmts[0].stmt, bytes };
    else {
      // The splitter keeps RULE bodies and BEGIN ATOMIC bodies whole; more than one statement here
      // means something unusual (e.g. a masked meta-command). Analyse the first, keep the rest visible.
      result = { node: stmts[0].stmt, bytes, extra: stmts.length - 1 };
    }
  } catch (e: any) {
    const details = e?.sqlDetails;
    const message = String(details?.message ?? e?.message ?? e).replace(/^Error: /, '');
    const pos = typeof details?.cursorPosition === 'number' ? details.cursorPosition : 0;
    result = { error: { message, offset: Math.min(codePointsToUtf16(text, pos), text.length) }, bytes };
  }
  return remember(cache, text, result);
}

const plCache = new Map<string, Node[] | null>();
/** PL/pgSQL bodies of a CREATE FUNCTION/PROCEDURE/DO statement, or null when they do not parse. */
export function parsePlpgsql(text: string): Node[] | null {
  const hit = plCache.get(text);
  if (hit !== undefined) return hit;
  let out: Node[] | null;
  try {
    const r = pg.parsePlPgSQLSync(text) as any;
    out = (r.plpgsql_funcs ?? []).map((f: any) => f.PLpgSQL_function ?? f);
  } catch {
    out = null;
  }
  return remember(plCache, text, out);
}

export interface Token { start: number; end: number; text: string; kind: string; keyword: boolean }
const tokCache = new Map<string, Token[]>();
/** Tokens of a statement with UTF-16 offsets (relative to the statement). Never throws. */
export function tokens(text: string): Token[] {
  const hit = tokCache.get(text);
  if (hit) return hit;
  let out: Token[] = [];
  const stored = store?.get('scan', text);
  if (stored !== undefined) {
    try { out = JSON.parse(stored); if (Array.isArray(out)) return remember(tokCache, text, out); } catch { /* re-scan below */ }
    out = [];
  }
  try {
    const bytes = new ByteMap(text);
    const r = pg.scanSync(text);
    out = r.tokens.map((t) => ({
      start: bytes.toUtf16(t.start),
      end: bytes.toUtf16(t.end),
      text: t.text,
      kind: t.tokenName,
      keyword: t.keywordKind !== 0,
    }));
    store?.set('scan', text, JSON.stringify(out));
  } catch {
    out = [];
  }
  return remember(tokCache, text, out);
}

export function clearParseCaches(): void { cache.clear(); plCache.clear(); tokCache.clear(); }
