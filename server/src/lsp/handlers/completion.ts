// Completion: tables, views and columns of the schema as it stands at the cursor (in a migration the
// schema before the statement being typed, see ../../engine/schema-at.ts; elsewhere the final one),
// filtered by what the text around the cursor asks for (../completion-context.ts); built-in
// functions and keywords. Signature help for built-in functions.
import {
  CompletionItemKind, MarkupKind,
  type CompletionItem, type CompletionList, type CompletionParams, type SignatureHelp, type SignatureHelpParams, type SignatureInformation,
} from 'vscode-languageserver';
import type { Project } from '../../engine/project';
import { SchemaTimeline } from '../../engine/schema-at';
import { statementAt } from '../../engine/suppress';
import type { Loc, SourceFile } from '../../model';
import type { Column, Schema, Table } from '../../schema';
import { BUILTIN_FUNCTIONS, builtinFunction, splitArgs, type BuiltinFunction } from '../../sql/functions';
import { quoteIdent, quoteQualifiedPart } from '../../sql/ident';
import { completionContext, tokenize, type CompletionContext, type RelRef } from '../completion-context';
import type { Folder } from '../folder';
import { guard, type DbeServer } from '../server';
import { schemaFor } from './hover';
import { MYSQL_FUNCTIONS, mySqlFunction } from '../../dialects/mysql/functions';
import { MYSQL_ALTER_ACTIONS, MYSQL_CLAUSES, MYSQL_COLUMN_OPTIONS, MYSQL_STATEMENT_STARTS, MYSQL_TABLE_OPTIONS, MYSQL_TYPES, quoteMySqlName } from '../../dialects/mysql/keywords';

export function register(server: DbeServer): void {
  server.connection.onCompletion(guard(server, 'completion', null as CompletionList | null, (params: CompletionParams) => complete(server, params)));
  server.connection.onSignatureHelp(guard(server, 'signatureHelp', null as SignatureHelp | null, (params: SignatureHelpParams) => signatureHelp(server, params)));
}

/** Capabilities to declare (handlers/initialize.ts). */
export const COMPLETION_OPTIONS = { triggerCharacters: ['.', '"'], resolveProvider: false };
export const SIGNATURE_HELP_OPTIONS = { triggerCharacters: ['(', ','], retriggerCharacters: [','] };

const timelines = new WeakMap<Project, SchemaTimeline>();
export function timelineOf(project: Project): SchemaTimeline {
  let t = timelines.get(project);
  if (!t) timelines.set(project, t = new SchemaTimeline(project));
  return t;
}

/** Statement kinds that change the schema: a file with one is replayed as a migration. */
const DDL = new Set(['CreateStmt', 'AlterTableStmt', 'IndexStmt', 'RenameStmt', 'DropStmt', 'ViewStmt', 'CreateTableAsStmt']);

/**
 * The schema at `offset` of `file`: in a file that changes the schema (a migration), the schema
 * before the statement the cursor is in; in a rollback, the schema after the migration it undoes;
 * in a query file, the final schema.
 */
export async function schemaAt(project: Project, file: SourceFile, offset: number, final: () => Promise<Schema | undefined>): Promise<Schema | undefined> {
  // a MySQL file: the final schema of its own family (the timeline replays PostgreSQL's order)
  if (file.dialect.family === 'mysql') return final();
  const timeline = timelineOf(project);
  project.order();
  if (file.isDown || file.migration?.role === 'down') {
    const up = file.migration?.undoes ? project.getFile(file.migration.undoes) : undefined;
    if (up) return timeline.before(up, up.statements.length) ?? final();
    return final();
  }
  const migration = file.replayed && file.statements.some((s) => s.kind && DDL.has(s.kind));
  if (!migration) return final();
  let index = 0;
  while (index < file.statements.length && file.statements[index].end < offset) index++;
  // a file outside the replay order (not expected): the final schema rather than none
  return timeline.before(file, index) ?? final();
}

export async function complete(server: DbeServer, params: CompletionParams): Promise<CompletionList | null> {
  if (!server.settings.enable || !server.ready) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found || found.file.skipped) return null;
  const { folder, file } = found;
  const offset = file.lines.offset(params.position);
  const mysql = file.dialect.family === 'mysql';
  const ctx = completionContext(file.split.masked, offset, file.split.statements, 0, mysql);
  if (ctx.context.kind === 'none' && mysql) {
    // MySQL keywords the shared contexts do not know: a column definition's type and options, table options, ALTER TABLE actions
    const extra = mySqlKeywordContext(file, offset);
    if (extra) return { isIncomplete: false, items: extra.words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword, sortText: `0${w}`, textEdit: { range: file.lines.range(extra.start, offset), newText: w } })) };
  }
  if (ctx.context.kind === 'none') return { isIncomplete: false, items: [] };
  const needsSchema = ctx.context.kind !== 'statement' && ctx.context.kind !== 'after-relation';
  // the file's own dialect family's schema: a MySQL file never completes PostgreSQL tables, nor the reverse
  const schema = needsSchema ? await schemaAt(folder.project, file, offset, () => schemaFor(server, folder.project, file.path)) : undefined;
  // in an expression the functions offered depend on the prefix typed (see items)
  return { isIncomplete: ctx.context.kind === 'expression', items: items(folder, file, ctx, schema) };
}

const range = (file: SourceFile, ctx: CompletionContext) => file.lines.range(ctx.replaceStart, ctx.replaceEnd);

/** Builds the items for a context (exported for the bench and tests of the wording). */
export function items(folder: Folder, file: SourceFile, ctx: CompletionContext, schema: Schema | undefined): CompletionItem[] {
  const out: CompletionItem[] = [];
  const r = range(file, ctx);
  const mysql = file.dialect.family === 'mysql';
  const quoteName = mysql ? quoteMySqlName : quoteIdent;
  const kw = (words: string[], sort = '3') => {
    for (const w of words) {
      const text = ctx.lowerKeywords ? w.toLowerCase() : w;
      out.push({ label: text, kind: CompletionItemKind.Keyword, sortText: `${sort}${text}`, textEdit: { range: r, newText: text } });
    }
  };
  const c = ctx.context;
  const doc = new Docs(folder);
  switch (c.kind) {
    case 'statement': kw(mysql ? MYSQL_STATEMENT_STARTS : STATEMENT_KEYWORDS, '0'); break;
    case 'after-relation': kw(c.join ? ['ON', 'USING', ...(mysql ? MYSQL_AFTER_RELATION : AFTER_RELATION)] : mysql ? MYSQL_AFTER_RELATION : AFTER_RELATION, '0'); break;
    case 'relation': {
      if (!schema) break;
      for (const t of schema.tables.values()) {
        if (c.schema !== undefined && t.schema !== c.schema) continue;
        out.push(relationItem(t, ctx, r, c.schema !== undefined, doc, mysql));
      }
      if (c.schema === undefined) for (const name of ctx.ctes) out.push({ label: name, kind: CompletionItemKind.Module, detail: 'WITH query', sortText: `0${name}`, textEdit: { range: r, newText: name } });
      break;
    }
    case 'columns-of': {
      const t = c.rel && !c.rel.derived && schema ? schema.table(c.rel.schema, c.rel.name) : undefined;
      if (t) for (const col of t.columns.values()) out.push(columnItem(t, col, ctx, r, !!c.qualifier, undefined, doc, undefined, mysql));
      else if (c.alsoRelations !== undefined && schema) {
        // `x.` where x is no alias or table of the statement: a schema's relations
        for (const t2 of schema.tables.values()) if (t2.schema === c.alsoRelations) out.push(relationItem(t2, ctx, r, true, doc, mysql));
      }
      break;
    }
    case 'expression': {
      const scope = c.scope.map((ref) => ({ ref, table: !ref.derived && schema ? schema.table(ref.schema, ref.name) : undefined }));
      const seen = new Map<string, number>();
      for (const s of scope) if (s.table) for (const name of s.table.columns.keys()) seen.set(name, (seen.get(name) ?? 0) + 1);
      for (const s of scope) {
        if (!s.table) continue;
        for (const col of s.table.columns.values()) {
          const ambiguous = (seen.get(col.name) ?? 0) > 1;
          out.push(columnItem(s.table, col, ctx, r, false, ambiguous ? s.ref.alias ?? s.table.name : undefined, doc, scope.length > 1 ? s.ref : undefined, mysql));
        }
      }
      for (const s of scope) {
        const name = s.ref.alias ?? s.ref.name;
        if (!name) continue;
        const text = quoteName(name);
        out.push({
          label: text, kind: s.table?.kind === 'table' ? CompletionItemKind.Class : CompletionItemKind.Interface, sortText: `1${name}`,
          detail: s.ref.alias ? `alias of ${s.ref.derived ? 'a subquery' : displayName(s.table?.key ?? s.ref.name)}` : s.table?.kind ?? 'relation', textEdit: { range: r, newText: text },
        });
      }
      if (!ctx.quoted) {
        // Functions once a letter is typed, those starting with it (the client asks again as the
        // prefix changes: the list is incomplete): all 649 with every keystroke made the answer 200 kB.
        const first = ctx.prefix[0]?.toLowerCase();
        if (first) for (const f of functionItems(mysql)) if (f.label[0] === first) out.push({ ...f, textEdit: { range: r, newText: f.label } });
        kw(mysql ? MYSQL_CLAUSES : expressionKeywords(c.clause));
      }
      break;
    }
  }
  return out;
}

function displayName(key: string): string { return key.startsWith('public.') ? key.slice(7) : key; }

/** A name as inserted: quoted when it must be (or when the user opened a quote). */
function written(name: string, ctx: CompletionContext, afterDot: boolean, mysql = false): string {
  if (mysql) return ctx.quoted ? '`' + name.replace(/`/g, '``') + '`' : quoteMySqlName(name);
  if (ctx.quoted) return '"' + name.replace(/"/g, '""') + '"';
  return afterDot ? quoteQualifiedPart(name) : cachedQuote(name);
}
const quoted = new Map<string, string>();
function cachedQuote(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) { q = quoteIdent(name); if (quoted.size < 50_000) quoted.set(name, q); }
  return q;
}

function relationItem(t: Table, ctx: CompletionContext, r: ReturnType<typeof range>, schemaTyped: boolean, doc: Docs, mysql = false): CompletionItem {
  const name = written(t.name, ctx, schemaTyped, mysql);
  const text = schemaTyped || t.schema === 'public' ? name : `${mysql ? quoteMySqlName(t.schema) : cachedQuote(t.schema)}.${name}`;
  const kind = t.kind === 'matview' ? 'materialized view' : t.kind;
  return {
    label: text,
    kind: t.kind === 'table' ? CompletionItemKind.Class : CompletionItemKind.Interface,
    detail: `${kind}${t.partitioned ? ' (partitioned)' : ''} · ${t.columns.size} column${t.columns.size === 1 ? '' : 's'}`,
    documentation: doc.of(t.loc),
    sortText: `0${t.schema === 'public' ? '' : '~'}${text}`,
    filterText: ctx.quoted ? text : text.replace(/["`]/g, ''),
    textEdit: { range: r, newText: text },
  };
}

/** `bigint NOT NULL · primary key · → users.id` */
export function columnDetail(t: Table, c: Column): string {
  const parts = [`${c.typeText || c.type}${c.notNull ? ' NOT NULL' : ''}`];
  if (t.primaryKey?.columns.includes(c.name)) parts.push(t.primaryKey.columns.length > 1 ? `primary key (${t.primaryKey.columns.join(', ')})` : 'primary key');
  for (const fk of t.foreignKeys) {
    const i = fk.columns.indexOf(c.name);
    if (i >= 0) parts.push(`→ ${displayName(fk.refTable)}${fk.refColumns[i] ? `.${fk.refColumns[i]}` : ''}`);
  }
  if (c.identity) parts.push('identity');
  else if (c.generated) parts.push('generated');
  else if (c.hasDefault && !/serial/.test(c.type)) parts.push('default');
  return parts.join(' · ');
}

function columnItem(t: Table, c: Column, ctx: CompletionContext, r: ReturnType<typeof range>, afterDot: boolean, qualify: string | undefined, doc: Docs, ref?: RelRef, mysql = false): CompletionItem {
  const name = written(c.name, ctx, afterDot, mysql);
  const text = qualify ? `${mysql ? quoteMySqlName(qualify) : cachedQuote(qualify)}.${name}` : name;
  return {
    label: name,
    labelDetails: ref ? { description: ref.alias ? `${displayName(t.key)} ${ref.alias}` : displayName(t.key) } : undefined,
    kind: CompletionItemKind.Field,
    detail: columnDetail(t, c),
    documentation: doc.of(c.loc, `column of ${t.kind} ${displayName(t.key)}`, c.typeLoc),
    sortText: `0${c.name}`,
    filterText: ctx.quoted ? name : c.name,
    textEdit: { range: r, newText: text },
  };
}

/** The defining statements of items, as markdown (one lookup per location). */
class Docs {
  private cache = new Map<string, { kind: typeof MarkupKind.Markdown; value: string } | undefined>();
  constructor(private readonly folder: Folder) {}
  of(loc: Loc, head?: string, also?: Loc): { kind: typeof MarkupKind.Markdown; value: string } | undefined {
    const key = `${loc.path}\0${loc.start}\0${head ?? ''}\0${also?.path ?? ''}\0${also?.start ?? ''}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const project = this.folder.project;
    let value: string | undefined;
    if (loc.path === project.baseSource) value = `${head ? `${head}\n\n` : ''}From the live database.`;
    else {
      const def = this.statement(loc);
      if (def) {
        value = `${head ? `${head}\n\n` : ''}${def.markdown}`;
        // the type was changed by a later statement (ALTER COLUMN ... TYPE): that one too
        const other = also && also.path !== project.baseSource ? this.statement(also) : undefined;
        if (other && other.stmt !== def.stmt) value += `\n\nType set by:\n\n${other.markdown}`;
      }
    }
    const d = value === undefined ? undefined : { kind: MarkupKind.Markdown, value };
    this.cache.set(key, d);
    return d;
  }

  /** The statement at a location, as a SQL block (at most MAX_DOC_LINES lines) and its file:line. */
  private statement(loc: Loc): Found | undefined {
    const f = this.folder.project.getFile(loc.path);
    const stmt = f && statementAt(f, loc.start);
    if (!f || !stmt) return undefined;
    const lines = stmt.text.split('\n');
    const shown = lines.length > MAX_DOC_LINES ? [...lines.slice(0, MAX_DOC_LINES), '…'] : lines;
    const line = f.lines.position(loc.start).line + 1;
    return { stmt, markdown: `\`\`\`sql\n${shown.join('\n').replace(/```/g, '` ` `')}\n\`\`\`\n\n${this.folder.displayPath(loc.path)}:${line}` };
  }
}
const MAX_DOC_LINES = 30;

interface Found { stmt: object; markdown: string }

let fnItems: CompletionItem[] | undefined;
let myFnItems: CompletionItem[] | undefined;
/** One item per built-in function (without its text edit), made once per dialect. */
function functionItems(mysql = false): CompletionItem[] {
  if (mysql) return (myFnItems ??= makeFunctionItems(MYSQL_FUNCTIONS));
  return (fnItems ??= makeFunctionItems(BUILTIN_FUNCTIONS));
}
function makeFunctionItems(list: readonly BuiltinFunction[]): CompletionItem[] {
  return list.map((f) => ({
    label: f.name,
    kind: CompletionItemKind.Function,
    detail: `${f.name}(${f.sigs[0].args})${f.sigs[0].result ? ` → ${f.sigs[0].result}` : ''}${f.sigs.length > 1 ? ` (+${f.sigs.length - 1} overload${f.sigs.length > 2 ? 's' : ''})` : ''}`,
    documentation: { kind: MarkupKind.Markdown, value: f.sigs.map((s) => `\`${f.name}(${s.args})${s.result ? ` → ${s.result}` : ''}\`  \n${s.doc}`).join('\n\n') + (f.kind === 'a' ? '\n\n(aggregate)' : f.kind === 'w' ? '\n\n(window function)' : '') },
    sortText: `2${f.name}`,
  }));
}

const MYSQL_AFTER_RELATION = [
  'WHERE', 'JOIN', 'LEFT JOIN', 'INNER JOIN', 'RIGHT JOIN', 'STRAIGHT_JOIN', 'CROSS JOIN', 'GROUP BY', 'ORDER BY', 'HAVING', 'LIMIT',
  'UNION', 'UNION ALL', 'AS', 'SET', 'VALUES', 'USE INDEX', 'FORCE INDEX', 'IGNORE INDEX', 'FOR UPDATE', 'LOCK IN SHARE MODE', 'ON DUPLICATE KEY UPDATE',
];

/**
 * MySQL keyword contexts of DDL (where the shared contexts offer nothing): after a column name in
 * CREATE TABLE / ADD [COLUMN] / MODIFY / CHANGE, its type; after a type, its options; after the
 * closing parenthesis of CREATE TABLE, the table options; after ALTER TABLE t, the actions.
 */
export function mySqlKeywordContext(file: SourceFile, offset: number): { start: number; words: string[] } | undefined {
  const stmt = statementAt(file, offset) ?? file.statements.filter((s) => s.start <= offset).pop();
  if (!stmt) return undefined;
  const upto = file.split.masked.slice(stmt.start, offset);
  const m = /[A-Za-z_]*$/.exec(upto)!;
  const start = offset - m[0].length;
  const { toks } = tokenize(upto.slice(0, upto.length - m[0].length), 0, upto.length - m[0].length, Infinity, true);
  const words = toks.filter((t) => t.kind === 'word').map((t) => t.v);
  const first = words[0], last = toks[toks.length - 1], prev = toks[toks.length - 2];
  if (!first || !last) return undefined;
  const lower = !!toks.find((t) => t.kind === 'word' && t.text === t.text.toLowerCase());
  const cased = (list: string[]) => ({ start, words: lower ? list.map((w) => w.toLowerCase()) : list });
  if (first === 'alter' && words[1] === 'table' && toks.length <= 4 && (last.kind === 'word' || last.kind === 'quoted') && words.length >= 2) {
    // ALTER TABLE t | (t written, nothing after it yet)
    if (toks.length === 3 || (toks.length === 4 && toks[2]?.text === '.')) return cased(MYSQL_ALTER_ACTIONS);
  }
  if (first === 'alter' && last.text === ',' && last.depth === 0) return cased(MYSQL_ALTER_ACTIONS);
  if (first === 'create' && words[1] === 'table' && last.text === ')' && last.depth === 0) return cased(MYSQL_TABLE_OPTIONS);
  const inTable = first === 'create' && last.depth === 1;
  const inAlter = first === 'alter' && last.depth === 0 && ['column', 'add', 'modify', 'change'].includes(prev?.v ?? '');
  // a column name just written: its type
  if ((last.kind === 'quoted' || last.kind === 'word') && ((inTable && (prev?.text === '(' || prev?.text === ',')) || inAlter)) return cased(MYSQL_TYPES);
  // after a type (or its length): the column options
  if (inTable && (MYSQL_TYPES.includes(last.text.toUpperCase()) || last.text === ')' || ['unsigned', 'null', 'increment', 'auto_increment'].includes(last.v))) return cased(MYSQL_COLUMN_OPTIONS);
  return undefined;
}

const STATEMENT_KEYWORDS = [
  'SELECT', 'INSERT INTO', 'UPDATE', 'DELETE FROM', 'WITH', 'CREATE TABLE', 'CREATE INDEX', 'CREATE INDEX CONCURRENTLY', 'CREATE UNIQUE INDEX',
  'CREATE VIEW', 'CREATE MATERIALIZED VIEW', 'CREATE FUNCTION', 'CREATE TYPE', 'CREATE SCHEMA', 'CREATE EXTENSION', 'ALTER TABLE', 'DROP TABLE',
  'DROP INDEX', 'TRUNCATE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'EXPLAIN', 'GRANT', 'COMMENT ON', 'SET', 'VALUES',
];
const AFTER_RELATION = [
  'WHERE', 'JOIN', 'LEFT JOIN', 'INNER JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', 'GROUP BY', 'ORDER BY', 'HAVING', 'LIMIT', 'OFFSET',
  'UNION', 'UNION ALL', 'AS', 'SET', 'VALUES', 'RETURNING', 'FOR UPDATE', 'ON CONFLICT',
];
const EXPRESSION = ['AND', 'OR', 'NOT', 'NULL', 'IS NULL', 'IS NOT NULL', 'IN', 'EXISTS', 'BETWEEN', 'LIKE', 'ILIKE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'TRUE', 'FALSE', 'DISTINCT', 'AS'];
const NEXT: Record<string, string[]> = {
  select: ['FROM', '*'],
  where: ['GROUP BY', 'ORDER BY', 'LIMIT', 'RETURNING'],
  on: ['WHERE', 'JOIN', 'LEFT JOIN', 'GROUP BY', 'ORDER BY'],
  using: ['WHERE', 'JOIN'],
  group: ['HAVING', 'ORDER BY', 'LIMIT'],
  having: ['ORDER BY', 'LIMIT'],
  order: ['ASC', 'DESC', 'NULLS FIRST', 'NULLS LAST', 'LIMIT', 'OFFSET'],
  set: ['WHERE', 'FROM', 'RETURNING'],
  returning: ['*'],
};
function expressionKeywords(clause: string): string[] { return [...EXPRESSION, ...(NEXT[clause] ?? [])]; }

// ---- signature help ----

export async function signatureHelp(server: DbeServer, params: SignatureHelpParams): Promise<SignatureHelp | null> {
  if (!server.settings.enable) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found || found.file.skipped) return null;
  const { file } = found;
  const offset = file.lines.offset(params.position);
  return signatureAt(file.split.masked, offset, file.split.statements, file.dialect.family === 'mysql');
}

/** The call the cursor is in (innermost built-in function) and which argument it is at. */
export function signatureAt(text: string, offset: number, statements: readonly { start: number; end: number }[], mysql = false): SignatureHelp | null {
  let at = -1;
  for (let lo = 0, hi = statements.length - 1; lo <= hi;) { const mid = (lo + hi) >> 1; if (statements[mid].start <= offset) { at = mid; lo = mid + 1; } else hi = mid - 1; }
  const from = at >= 0 ? statements[at].start : 0;
  // to the end of the line: a -- comment the cursor is in ends there
  const eol = text.indexOf('\n', offset);
  const lexed = tokenize(text, from, eol < 0 ? text.length : eol, Infinity, mysql);
  const toks = lexed.toks.filter((t) => t.end <= offset || (t.start < offset && t.kind === 'string'));
  const inert = lexed.inert;
  // not in a comment (in a string argument it still helps: date_trunc('da|')
  for (const [s, e] of inert) {
    if ((text.startsWith('--', s) || (mysql && text[s] === '#')) && offset > s && offset <= e) return null;
    if (text.startsWith('/*', s) && offset > s && offset < e) return null;
  }
  // open parentheses before the cursor, each with the commas at its level
  const open: { name: string | undefined; commas: number }[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.text === ';' && t.depth === 0) open.length = 0;
    else if (t.text === '(') {
      const p = toks[k - 1];
      open.push({ name: p && p.kind === 'word' ? p.v : p?.kind === 'quoted' ? p.v : undefined, commas: 0 });
    } else if (t.text === ')') open.pop();
    else if (t.text === ',' && open.length) open[open.length - 1].commas++;
  }
  for (let i = open.length - 1; i >= 0; i--) {
    const name = open[i].name;
    const f = name ? (mysql ? mySqlFunction(name) : builtinFunction(name)) : undefined;
    if (!f) continue;
    return help(f, open[i].commas);
  }
  return null;
}

function help(f: BuiltinFunction, active: number): SignatureHelp {
  const signatures: SignatureInformation[] = f.sigs.map((s) => {
    const args = splitArgs(s.args);
    let label = `${f.name}(`;
    const parameters: { label: [number, number] }[] = [];
    args.forEach((a, i) => {
      if (i) label += ', ';
      parameters.push({ label: [label.length, label.length + a.length] });
      label += a;
    });
    label += s.result ? `) → ${s.result}` : ')';
    return { label, documentation: s.doc, parameters };
  });
  // the first overload with enough arguments (a VARIADIC one takes any number)
  let activeSignature = f.sigs.findIndex((s) => { const a = splitArgs(s.args); return a.length > active || a.some((x) => /^VARIADIC\b/.test(x)); });
  if (activeSignature < 0) activeSignature = 0;
  const nargs = signatures[activeSignature].parameters!.length;
  const variadic = /VARIADIC/.test(f.sigs[activeSignature].args);
  return { signatures, activeSignature, activeParameter: variadic ? Math.min(active, nargs - 1) : active };
}
