// Rename Symbol for tables, views and columns of the project's schema.
// - Query files (every SQL file that is not a migration) get their uses edited in place.
// - In a migrations project, migrations are never edited: the rename is written as a new migration
//   (ALTER TABLE … RENAME …, with its rollback where the convention keeps down files), placed like
//   the quick fixes' migrations (engine/placement.ts), and the edits carry the expand/contract warning
//   of breaking-rename as a change annotation that needs confirmation (VS Code's Refactor Preview).
// - In a project without migrations (a schema file and queries), the schema file is the source of
//   truth: it is edited in place too, with an annotation saying that a database already built from it
//   keeps the old name.
// A new name that is not an identifier, or that is taken, or uses the old name that DB Engineer cannot
// all find (a column name it cannot resolve for sure, a function body), is refused with a message and
// no edit: a rename that leaves a query broken is worse than none.
import {
  LSPErrorCodes, ResponseError, ErrorCodes,
  type AnnotatedTextEdit, type ChangeAnnotation, type PrepareRenameParams, type Range, type RenameParams, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver';
import { statementAt } from '../../engine/suppress';
import { dirOf, migrationFolder, migrationLabel, placeMigration } from '../../engine/placement';
import { isDownStatement, type SourceFile, type Statement } from '../../model';
import { columnRenameWarning, relationRenameWarning } from '../../rules/migration/breaking-rename';
import { Schema, tableKey, type Column, type Table } from '../../schema';
import { kindOf, strings } from '../../sql/ast';
import { parsePlpgsql, parseStatement, type Node } from '../../sql/parse';
import { quoteIdent } from '../../sql/ident';
import { bodyStatements, identName, statementReferences, type StatementReferences } from '../../sql/references';
import type { IndexedRef, ReferenceIndex, SymbolInfo } from '../references-index';
import type { DbeServer } from '../server';
import { referenceAt } from './references';

export const NOT_RENAMEABLE = "Only tables, views and columns of the project's schema can be renamed.";

export function register(server: DbeServer): void {
  server.connection.onPrepareRename(guarded(server, 'prepareRename', (p: PrepareRenameParams) => prepareRename(server, p)));
  server.connection.onRenameRequest(guarded(server, 'rename', (p: RenameParams) => rename(server, p)));
}

/** Like server.ts guard, but a refusal (ResponseError) reaches the client, which shows its message. */
function guarded<P, R>(server: DbeServer, where: string, fn: (p: P) => R | Promise<R>): (p: P, token?: { isCancellationRequested: boolean }) => Promise<R | null> {
  return async (p, token) => {
    if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${where}: cancelled`);
    try { return await fn(p); } catch (e) {
      if (e instanceof ResponseError) throw e;
      server.error(where, e);
      throw new ResponseError(ErrorCodes.InternalError, `${where} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

const refuse = (message: string) => new ResponseError(ErrorCodes.InvalidRequest, message);

interface Target { at: NonNullable<Awaited<ReturnType<typeof referenceAt>>>; sym: SymbolInfo & { table: Table }; oldName: string }

async function target(server: DbeServer, uri: string, position: { line: number; character: number }): Promise<Target> {
  if (!server.settings.enable) throw refuse('DB Engineer is disabled (dbEngineer.enable).');
  if (!server.ready) throw refuse('DB Engineer is still indexing the workspace: try again in a moment.');
  const mysql = mySqlRenameRefusal(server, uri);
  if (mysql) throw refuse(mysql);
  const at = await referenceAt(server, uri, position);
  const sym = at && at.index.symbols.get(at.ref.id);
  if (!at || !sym?.table || (sym.kind === 'column' && !sym.column)) throw refuse(NOT_RENAMEABLE);
  return { at, sym: sym as Target['sym'], oldName: sym.column?.name ?? sym.table.name };
}

/**
 * Rename on a MySQL or MariaDB file: refused. The references walk reads PostgreSQL's parse tree, and
 * most MySQL statements (every CREATE TABLE with backticks or ENGINE=) have none, so it would miss
 * uses of the name; and the migration it writes is PostgreSQL's. A rename that misses a use breaks
 * the project, so none is offered (docs/decisions/0035-mysql-in-the-editor.md).
 */
export function mySqlRenameRefusal(server: DbeServer, uri: string): string | undefined {
  const file = server.fileFor(uri)?.file;
  if (!file || file.dialect.family !== 'mysql') return undefined;
  const name = file.dialect.id === 'mariadb' ? 'MariaDB' : 'MySQL';
  return `Rename is not available on ${name} files yet: DB Engineer cannot yet find every use of a name in ${name} statements, and a rename that misses one would break the project. Use ALTER TABLE … RENAME COLUMN … TO … (or RENAME TABLE … TO …) in a new migration.`;
}

export async function prepareRename(server: DbeServer, params: PrepareRenameParams): Promise<{ range: Range; placeholder: string }> {
  const { at, oldName } = await target(server, params.textDocument.uri, params.position);
  return { range: at.file.lines.range(at.ref.start, at.ref.end), placeholder: oldName };
}

/** The name PostgreSQL would store for what the user typed, or a refusal. */
export function parseNewName(raw: string): string {
  const s = raw.trim();
  let name: string;
  if (/^"(?:[^"]|"")+"$/.test(s)) name = s.slice(1, -1).replace(/""/g, '"');
  else if (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(s)) name = s.toLowerCase();
  else throw refuse(`"${raw}" is not a valid name: use letters, digits, _ and $ (not first), or a double-quoted name.`);
  if (Buffer.byteLength(name, 'utf8') > 63) throw refuse(`"${name}" is longer than 63 bytes: PostgreSQL would cut it short.`);
  return name;
}

const SYSTEM_COLUMNS = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);
const q = (s: string) => '`' + s + '`';
const qualified = (t: Table) => (t.schema === 'public' ? quoteIdent(t.name) : `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
const display = (t: Table) => (t.schema === 'public' ? t.name : `${t.schema}.${t.name}`);
const kindWord = (t: Table) => (t.kind === 'matview' ? 'materialized view' : t.kind);
const alterWord = (t: Table) => (t.kind === 'matview' ? 'ALTER MATERIALIZED VIEW' : t.kind === 'view' ? 'ALTER VIEW' : 'ALTER TABLE');
const WORD = (w: string) => new RegExp(`(^|[^A-Za-z0-9_$])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_$]|$)`, 'i');

function lineOf(file: SourceFile, offset: number): number { return file.lines.range(offset, offset).start.line + 1; }

export async function rename(server: DbeServer, params: RenameParams): Promise<WorkspaceEdit> {
  const { at, sym, oldName } = await target(server, params.textDocument.uri, params.position);
  const { folder, index } = at;
  const project = folder.project;
  const newName = parseNewName(params.newName);
  const t = sym.table;
  if (newName === oldName) throw refuse(`${q(newName)} is already its name.`);
  if (sym.kind === 'column') {
    if (t.columns.has(newName)) throw refuse(`${kindWord(t)} ${q(display(t))} already has a column ${q(newName)}.`);
    if (SYSTEM_COLUMNS.has(newName)) throw refuse(`${q(newName)} is the name of a system column: PostgreSQL refuses it as a column name.`);
  } else {
    const key = tableKey(t.schema, newName);
    if (index.schema.tables.has(key)) throw refuse(`A ${kindWord(index.schema.tables.get(key)!)} ${q(key.startsWith('public.') ? newName : key)} already exists.`);
    if (index.schema.indexes.has(key)) throw refuse(`An index ${q(newName)} already exists in schema ${q(t.schema)} (tables and indexes share names).`);
  }

  const order = project.order();
  const migFolder = order.length >= 2 ? migrationFolder(order) : undefined;
  const isMigration = (f: SourceFile) => f.migration?.set !== undefined || (!!migFolder && (dirOf(f.path) === migFolder.dir || dirOf(dirOf(f.path)) === migFolder.dir));
  const refs = index.refsOf(sym.id);
  const byFile = new Map<string, IndexedRef[]>();
  for (const r of refs) byFile.set(r.path, [...(byFile.get(r.path) ?? []), r]);

  const edits = new Map<string, TextEdit[]>();
  const newText = quoteIdent(newName);
  for (const [path, list] of byFile) {
    const file = project.getFile(path);
    if (!file || (migFolder && isMigration(file))) continue;
    if (file.skipped) throw refuse(`${project.relativePath(path)} was not analysed (${file.skipped}): DB Engineer cannot rename its uses.`);
    for (const r of list) {
      const written = identName(file.text.slice(r.start, r.end));
      if (written !== oldName) {
        throw refuse(`${project.relativePath(path)}:${lineOf(file, r.start)} names it ${q(written)} (renamed since): rename it by hand, or write the rename as a migration.`);
      }
      const l = edits.get(path) ?? [];
      l.push({ range: file.lines.range(r.start, r.end), newText });
      edits.set(path, l);
    }
  }
  const checked = order.filter((f) => !(migFolder && isMigration(f)) && !f.skipped);
  checkNothingLeft(project.relativePath.bind(project), index, sym, oldName, checked);
  checkMeaningKept(project.relativePath.bind(project), index, sym, oldName, newName, checked);
  checkFunctions(project.relativePath.bind(project), index, sym, oldName, order, (f) => !(migFolder && isMigration(f)));

  const annotations = server.support.changeAnnotations === true;
  const warning = sym.kind === 'column'
    ? columnRenameWarning(display(t), oldName, newName, t.kind !== 'table')
    : relationRenameWarning(kindWord(t), display(t), t.name, newName);
  const ANN = 'dbe.rename';
  const changeAnnotations: Record<string, ChangeAnnotation> = {};

  if (!migFolder) {
    // no migrations: edit the schema file (the source of truth) and the queries in place
    if (!edits.size) throw refuse(`No use of ${q(oldName)} to rename.`);
    const declares = new Set(refs.filter((r) => r.declaration).map((r) => r.path));
    const schemaFiles = [...edits.keys()].filter((p) => declares.has(p));
    if (annotations && schemaFiles.length) {
      changeAnnotations[ANN] = {
        label: `Rename ${q(oldName)} to ${q(newName)}`, needsConfirmation: true,
        description: `${schemaFiles.map((p) => project.relativePath(p)).join(', ')} is edited in place: a database already built from it keeps the old name until an ALTER … RENAME runs there. ${warning}`,
      };
    }
    return build(server, edits, [], annotations && schemaFiles.length ? ANN : undefined, changeAnnotations, (p) => declares.has(p));
  }

  // a migrations project: the rename is a new migration
  if (project.migrationPlan().sets.some((s) => s.convention === 'sqitch')) {
    throw refuse('This project uses sqitch: add the rename with `sqitch add` (deploy, revert and verify scripts); DB Engineer does not write sqitch changes.');
  }
  if (!server.support.createFiles) throw refuse('The rename has to be written as a new migration, and this editor cannot create files through the language server.');
  const column = sym.column;
  const up = column
    ? `${alterWord(t)} ${qualified(t)} RENAME COLUMN ${quoteIdent(oldName)} TO ${newText};`
    : `${alterWord(t)} ${qualified(t)} RENAME TO ${newText};`;
  const renamedTable = column ? qualified(t) : (t.schema === 'public' ? newText : `${quoteIdent(t.schema)}.${newText}`);
  const down = column
    ? `${alterWord(t)} ${renamedTable} RENAME COLUMN ${newText} TO ${quoteIdent(oldName)};`
    : `${alterWord(t)} ${renamedTable} RENAME TO ${quoteIdent(oldName)};`;
  const anchorRef = refs.find((r) => r.declaration) ?? refs[0];
  const anchorFile = anchorRef && project.getFile(anchorRef.path);
  const anchor = anchorFile && statementAt(anchorFile, anchorRef.start);
  if (!anchor) throw refuse(NOT_RENAMEABLE);
  const title = column ? `rename ${display(t)}.${oldName} to ${newName}` : `rename ${kindWord(t)} ${display(t)} to ${newName}`;
  const placed = placeMigration(order, { title, up, down, anchor, lockTimeout: project.config.migrations.lockTimeout });
  if (placed.mode !== 'new-file') throw refuse('DB Engineer cannot tell how to name a new migration in this project: write the rename migration by hand.');
  if (annotations) {
    changeAnnotations[ANN] = {
      label: `Rename ${q(oldName)} to ${q(newName)} in a new migration ${migrationLabel(placed.path)}`, needsConfirmation: true,
      description: warning,
    };
  }
  return build(server, edits, placed.edits.filter((e) => e.create), annotations ? ANN : undefined, changeAnnotations, () => true);
}

/**
 * Refuses when a file that would be edited still uses the old name where DB Engineer cannot tell
 * what it refers to: a column name it could not resolve for sure in a statement that uses the table,
 * or a function body (not parsed as SQL here) that mentions both.
 */
function checkNothingLeft(rel: (p: string) => string, index: ReferenceIndex, sym: Target['sym'], oldName: string, files: SourceFile[]): void {
  const tableId = sym.kind === 'column' ? sym.id.slice(0, sym.id.indexOf('.')) : sym.id;
  const usesTable = (r: IndexedRef) => r.id === tableId || r.id.startsWith(`${tableId}.`);
  for (const f of files) {
    const refs = index.byFile.get(f.path) ?? [];
    for (const u of index.unresolved.get(f.path) ?? []) {
      if (u.name !== oldName) continue;
      const stmt = statementAt(f, u.start);
      if (stmt && refs.some((r) => r.start >= stmt.start && r.end <= stmt.end && usesTable(r))) {
        throw refuse(sym.kind === 'column'
          ? `${rel(f.path)}:${lineOf(f, u.start)} uses a column ${q(oldName)} that DB Engineer cannot tie to one table (USING, or several tables in scope): qualify it, or rename by hand.`
          : `${rel(f.path)}:${lineOf(f, u.start)} uses the name ${q(oldName)} where DB Engineer cannot tell a column from the whole row of the table (a relation of unknown columns in scope): rename by hand.`);
      }
    }
    for (const s of f.statements) {
      if (s.kind !== 'CreateFunctionStmt' && s.kind !== 'DoStmt') continue;
      // every use of the old name in a body must be one the walk resolved (to anything)
      const re = new RegExp(WORD(oldName).source, 'gi');
      for (let m = re.exec(s.text); m; m = re.exec(s.text)) {
        const at = s.start + m.index + m[1].length;
        re.lastIndex = m.index + m[1].length + oldName.length;
        if (refs.some((r) => r.start <= at && at < r.end)) continue;
        if (sym.kind === 'column' && !WORD(sym.table.name).test(s.text)) continue;
        throw refuse(`${rel(f.path)}:${lineOf(f, at)} has ${q(oldName)} in a function body where DB Engineer cannot tell what it names (dynamic SQL, a string, a variable): rename by hand.`);
      }
    }
  }
}

const functionName = (n: Node[] | undefined) => strings(n ?? []).filter((p, i, a) => !(p === 'public' && i < a.length - 1)).join('.');

/**
 * Refuses when a function the database keeps would fail after the rename: ALTER … RENAME does not
 * change function bodies (PostgreSQL plans them by name when they run). That is the current
 * definition of a function (its last CREATE, not dropped since) in a file the rename does not edit (a
 * migration) whose body uses the table or column, and a trigger function of the table whose body
 * writes NEW.<column> or OLD.<column> (the walk cannot tie those records to a table).
 */
function checkFunctions(rel: (p: string) => string, index: ReferenceIndex, sym: Target['sym'], oldName: string, order: SourceFile[], edited: (f: SourceFile) => boolean): void {
  const tableId = sym.kind === 'column' ? sym.id.slice(0, sym.id.indexOf('.')) : sym.id;
  const current = new Map<string, { file: SourceFile; stmt: Statement }>();
  const triggered = new Set<string>();
  const inStmt = (f: SourceFile, s: Statement) => (index.byFile.get(f.path) ?? []).filter((r) => r.start >= s.start && r.end <= s.end);
  for (const f of order) {
    if (f.isDown || f.skipped) continue;
    for (const s of f.statements) {
      if (isDownStatement(s) || !s.node) continue;
      if (s.kind === 'CreateFunctionStmt') current.set(functionName(s.node.funcname), { file: f, stmt: s });
      else if (s.kind === 'DropStmt' && ['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(s.node.removeType)) {
        for (const o of s.node.objects ?? []) current.delete(functionName(o.ObjectWithArgs?.objname));
      } else if (s.kind === 'CreateTrigStmt' && inStmt(f, s).some((r) => r.id === tableId)) triggered.add(functionName(s.node.funcname));
    }
  }
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const record = new RegExp(`\\b(?:new|old)\\s*\\.\\s*(?:${esc(oldName)}(?![A-Za-z0-9_$])|"${esc(oldName.replace(/"/g, '""'))}")`, 'i');
  for (const [name, { file, stmt }] of current) {
    const uses = inStmt(file, stmt).filter((r) => r.id === sym.id);
    if (uses.length && !edited(file)) {
      throw refuse(`${rel(file.path)}:${lineOf(file, uses[0].start)}: function ${q(name)} uses ${q(oldName)} in its body, and a RENAME does not change function bodies: it would fail once the rename runs. Rename by hand, replacing the function in the same migration.`);
    }
    const m = sym.kind === 'column' && triggered.has(name) ? record.exec(stmt.text) : null;
    if (m) {
      throw refuse(`${rel(file.path)}:${lineOf(file, stmt.start + m.index)}: trigger function ${q(name)} of ${q(display(sym.table))} uses ${q(m[0])}, which a rename does not change: every write to the table would fail. Rename by hand, replacing the function too.`);
    }
  }
}

/** The schema as it would be after the rename (the same Table and Column objects but the renamed table). */
function renamedSchema(real: Schema, t: Table, column: Column | undefined, newName: string): { schema: Schema; shadow: Table } {
  const schema = new Schema();
  let shadow = t;
  for (const [k, v] of real.tables) {
    if (v !== t) { schema.tables.set(k, v); continue; }
    if (column) {
      shadow = { ...t, columns: new Map([...t.columns].map(([n, c]) => [n === column.name ? newName : n, c] as [string, Column])) };
      schema.tables.set(k, shadow);
    } else {
      const key = tableKey(t.schema, newName);
      shadow = { ...t, name: newName, key };
      schema.tables.set(key, shadow);
    }
  }
  return { schema, shadow };
}

/** The statement with its text replaced (offsets then count from the statement's start), or undefined when it does not parse. */
function editedStatement(stmt: Statement, text: string): Statement | undefined {
  const parsed = parseStatement(text);
  const kind = kindOf(parsed.node);
  if (!kind) return undefined;
  const file = { ...stmt.file, text, split: { ...stmt.file.split, masked: text } } as SourceFile;
  return { file, index: stmt.index, start: 0, end: text.length, text, templated: stmt.templated, parsed, kind, node: parsed.node![kind] };
}

/** Names of the variables and parameters of a PL/pgSQL function or DO block (empty when it is not one). */
function plpgsqlNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const fn of parsePlpgsql(text) ?? []) {
    for (const d of fn.datums ?? []) {
      const v = d.PLpgSQL_var ?? d.PLpgSQL_rec ?? d.PLpgSQL_recfield;
      if (typeof v?.refname === 'string') out.add(v.refname);
    }
  }
  return out;
}

/** The statement's references and those of its function body, if any. */
function walk(stmt: Statement, schema: Schema): StatementReferences[] {
  return [statementReferences(stmt, schema), ...bodyStatements(stmt).map((b) => statementReferences(b, schema))];
}

/**
 * Refuses a rename after which a statement that uses the table would mean something else, or fail:
 * each such statement is resolved as it is now and as it would be (its text edited, against the
 * schema with the new name), and every name must resolve to the same table or column as before. That
 * catches an unqualified name of an outer query now captured by the renamed column (capture), a name
 * that another relation in scope also has (ambiguous), a CTE or alias that the new table name would
 * hide, a variable or parameter of the new name; and a NATURAL JOIN whose keys would change.
 */
function checkMeaningKept(rel: (p: string) => string, index: ReferenceIndex, sym: Target['sym'], oldName: string, newName: string, files: SourceFile[]): void {
  const t = sym.table;
  const tableId = sym.kind === 'column' ? sym.id.slice(0, sym.id.indexOf('.')) : sym.id;
  const usesTable = (r: IndexedRef) => r.id === tableId || r.id.startsWith(`${tableId}.`);
  const { schema: after, shadow } = renamedSchema(index.schema, t, sym.column, newName);
  const newText = quoteIdent(newName);
  const ids = new Map<object, number>();
  const idOf = (o: object) => { let n = ids.get(o); if (n === undefined) ids.set(o, n = ids.size); return n; };
  const say = (d: { table: Table; column?: Column } | undefined) =>
    !d ? 'nothing in the schema (a variable, a parameter, an output name)' : d.column ? `column ${q(`${display(d.table)}.${d.column === sym.column ? newName : d.column.name}`)}` : `${kindWord(d.table)} ${q(d.table === t && sym.kind === 'table' ? newName : display(d.table))}`;
  for (const f of files) {
    const refs = index.byFile.get(f.path) ?? [];
    for (const stmt of f.statements) {
      if (!stmt.kind) continue;
      const inStmt = refs.filter((r) => r.start >= stmt.start && r.end <= stmt.end);
      if (!inStmt.some(usesTable) && !(sym.kind === 'table' && WORD(newName).test(stmt.text))) continue;
      // the statement's text after the rename, and how old offsets move
      const edits = inStmt.filter((r) => r.id === sym.id).sort((a, b) => a.start - b.start);
      let text = '', at = stmt.start;
      for (const e of edits) { text += stmt.text.slice(at - stmt.start, e.start - stmt.start) + newText; at = e.end; }
      text += stmt.text.slice(at - stmt.start);
      const toNew = (o: number) => { let d = o - stmt.start; for (const e of edits) if (e.end <= o) d += newText.length - (e.end - e.start); return d; };
      const toOld = (n: number) => { let o = n + stmt.start; for (const e of edits) if (toNew(e.end) <= n) o -= newText.length - (e.end - e.start); return o; };
      const edited = editedStatement(stmt, text);
      if (!edited) throw refuse(`${rel(f.path)}:${lineOf(f, stmt.start)} would no longer parse after the rename: rename by hand.`);
      if (sym.kind === 'column' && (stmt.kind === 'CreateFunctionStmt' || stmt.kind === 'DoStmt') && plpgsqlNames(stmt.text).has(newName)) {
        throw refuse(`${rel(f.path)}:${lineOf(f, stmt.start)}: the function there has a variable or parameter ${q(newName)}: PL/pgSQL would find the renamed column ambiguous. Choose another name.`);
      }
      const before = walk(stmt, index.schema);
      const nowRefs = walk(edited, after);
      if (sym.column && [...before, ...nowRefs].some((w) => w.natural.some((x) => x === t || x === shadow))) {
        throw refuse(`${rel(f.path)}:${lineOf(f, stmt.start)} joins ${q(display(t))} with NATURAL JOIN: renaming one of its columns changes the join's keys. Write the join with ON or USING first.`);
      }
      const dup = nowRefs.flatMap((w) => w.duplicates).find((n) => !before.some((w) => w.duplicates.includes(n)));
      if (dup !== undefined) throw refuse(`${rel(f.path)}:${lineOf(f, stmt.start)}: after the rename, two relations of one FROM would both be called ${q(dup)} (an alias or a CTE there already has that name): choose another name.`);
      type Seen = { table: Table; column?: Column } | 'unresolved';
      const map = (ws: StatementReferences[], pos: (o: number) => number) => {
        const m = new Map<number, Seen>();
        for (const w of ws) {
          for (const r of w.refs) m.set(pos(r.start), { table: r.table === shadow ? t : r.table, column: r.column });
          for (const u of w.unresolved) if (!m.has(pos(u.start))) m.set(pos(u.start), 'unresolved');
        }
        return m;
      };
      const was = map(before, toNew);
      const now = map(nowRefs, (o) => o);
      const key = (x: Seen | undefined) => (x === undefined ? 'none' : x === 'unresolved' ? 'u' : x.column ? `c${idOf(x.column)}` : `t${idOf(x.table)}`);
      for (const p of new Set([...was.keys(), ...now.keys()])) {
        const a = was.get(p), b = now.get(p);
        if (key(a) === key(b)) continue;
        const line = lineOf(f, toOld(p));
        const name = identName(/^("(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)/.exec(text.slice(p))?.[0] ?? newName);
        if (b === 'unresolved') throw refuse(`${rel(f.path)}:${line}: after the rename, ${q(name)} would be ambiguous (another relation in scope has a column ${q(name)}): choose another name, or qualify it first.`);
        throw refuse(`${rel(f.path)}:${line}: after the rename, ${q(name)} would name ${say(b)} instead of ${a === 'unresolved' ? 'what it names now (a variable, a parameter, or a name DB Engineer cannot tie to one table)' : say(a)}: the query would change meaning. Choose another name, or qualify it first.`);
      }
      for (const w of nowRefs) {
        const u = w.unresolved.find((x) => x.name === newName);
        if (u) throw refuse(`${rel(f.path)}:${lineOf(f, toOld(u.start))}: ${q(newName)} is already used there where DB Engineer cannot tell which relation it names: after the rename it could name another column, or be ambiguous. Choose another name, or qualify it first.`);
      }
    }
  }
}

function build(
  server: DbeServer, edits: Map<string, TextEdit[]>, creates: { path: string; newText: string }[],
  annotation: string | undefined, changeAnnotations: Record<string, ChangeAnnotation>, annotate: (path: string) => boolean,
): WorkspaceEdit {
  const documentChangesOk = server.support.documentChanges === true || creates.length > 0;
  if (!documentChangesOk) {
    const changes: Record<string, TextEdit[]> = {};
    for (const [p, l] of edits) changes[server.clientUri(p)] = l;
    return { changes };
  }
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const mark = (e: TextEdit, p: string): TextEdit | AnnotatedTextEdit => (annotation && annotate(p) ? { ...e, annotationId: annotation } : e);
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const c of creates) {
    const uri = server.clientUri(c.path);
    documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false }, ...(annotation ? { annotationId: annotation } : {}) });
    documentChanges.push({ textDocument: { uri, version: null }, edits: [mark({ range: zero, newText: c.newText }, c.path)] });
  }
  for (const [p, l] of edits) {
    const doc = server.document(p);
    documentChanges.push({ textDocument: { uri: server.clientUri(p), version: doc ? doc.version : null }, edits: l.map((e) => mark(e, p)) });
  }
  return annotation ? { documentChanges, changeAnnotations } : { documentChanges };
}
