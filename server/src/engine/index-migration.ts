// All of a project's index recommendations in one migration: the CREATE INDEX statements of each
// recommendation's first fix, de-duplicated, written by placeMigration in the project's convention
// with a DROP INDEX rollback. Used by the editor's "Write all index recommendations into one
// migration" (dbEngineer/indexMigration); knows nothing of the editor.
//
// The statements are taken from the fixes' new text (split and parsed), so any rule whose fix adds
// CREATE INDEX statements can feed it. Where the migration goes decides how an index is built: a
// table that already exists when the migration runs (a new migration file, or an insertion into a
// file that did not create the table) is indexed CONCURRENTLY so writes are not blocked, unless it
// is partitioned (PostgreSQL cannot) or the migration runs inside a transaction (it would fail).
import type { Finding, SourceFile, Statement } from '../model';
import { tableKey, type Table } from '../schema';
import { quoteIdent } from '../sql/ident';
import { parseStatement, type Node } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { placeMigration, placesInline, type Placement } from './placement';
import type { Project } from './project';

export interface IndexMigration {
  /** Absent when there is nothing to write (see message). */
  placement?: Placement;
  /** The CREATE INDEX statements written, in order. */
  statements: string[];
  /** What was written or why nothing was, for the user. */
  message: string;
}

interface Candidate { sql: string; node: Node; name?: string; schema?: string; table?: Table; finding: Finding }

/** Structural key of an index definition (locations dropped), to catch one index proposed under two names. */
function shapeKey(n: Node, table: Table | undefined): string {
  const strip = (v: any): any => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== 'object') return v;
    const o: Record<string, any> = {};
    for (const k of Object.keys(v).sort()) if (k !== 'location' && k !== 'stmt_location' && k !== 'stmt_len') o[k] = strip(v[k]);
    return o;
  };
  return JSON.stringify([table?.key ?? n.relation?.relname, n.unique ?? false, (n.accessMethod ?? 'btree').toLowerCase(), strip(n.indexParams), strip(n.indexIncludingParams), strip(n.whereClause)]);
}

/** The CREATE INDEX statements in a fix's edits. */
function indexStatements(project: Project, f: Finding): Candidate[] {
  const fix = f.fixes?.[0];
  if (!fix) return [];
  const out: Candidate[] = [];
  const schema = project.schema();
  for (const e of fix.edits) {
    for (const raw of splitStatements(e.newText).statements) {
      const parsed = parseStatement(raw.text);
      const node = parsed.node?.IndexStmt;
      if (!node || parsed.error) continue;
      const rv = node.relation;
      const table = rv ? schema.table(rv.schemaname, rv.relname) : undefined;
      let sql = raw.text.trim();
      if (!sql.endsWith(';')) sql += ';';
      out.push({ sql, node, name: node.idxname, schema: rv?.schemaname ?? table?.schema, table, finding: f });
    }
  }
  return out;
}

/** `CREATE [UNIQUE] INDEX` → `CREATE [UNIQUE] INDEX CONCURRENTLY`, when the result parses as such. */
function withConcurrently(sql: string): string {
  const out = sql.replace(/^(\s*create\s+(?:unique\s+)?index)\b/i, (m) => `${m} ${/[a-z]/.test(m) ? 'concurrently' : 'CONCURRENTLY'}`);
  return parseStatement(out).node?.IndexStmt?.concurrent ? out : sql;
}

/** The same statement without CONCURRENTLY (for a migration that runs in a transaction, where it would fail). */
function withoutConcurrently(sql: string): string {
  const out = sql.replace(/^(\s*create\s+(?:unique\s+)?index)\s+concurrently\b/i, '$1');
  const n = parseStatement(out).node?.IndexStmt;
  return n && !n.concurrent ? out : sql;
}

/** True when `stmt` runs inside an explicit BEGIN ... COMMIT of its file. */
function inExplicitTransaction(stmt: Statement): boolean {
  let inTx = false;
  for (const s of stmt.file.statements) {
    if (s.index > stmt.index) break;
    if (s.kind !== 'TransactionStmt') continue;
    const k = s.node?.kind;
    if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') inTx = true;
    else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') inTx = false;
  }
  return inTx;
}

/**
 * The statement the SQL would follow in a project without a migration convention: the latest (in
 * migration order) statement any fix inserts after, so every table the indexes need exists by then.
 * Falls back to the last statement of the last replayed file.
 */
function anchorFor(files: readonly SourceFile[], findings: Finding[]): Statement | undefined {
  const rank = new Map(files.map((f, i) => [f.path, i] as const));
  let best: Statement | undefined;
  let bestRank = -1;
  for (const f of findings) {
    for (const e of f.fixes?.[0]?.edits ?? []) {
      if (e.create) continue;
      const file = files.find((x) => x.path === e.path);
      if (!file) continue;
      let at: Statement | undefined;
      for (const s of file.statements) if (s.end <= e.start || (s.start <= e.start && e.start < s.end)) at = s;
      const r = rank.get(file.path)!;
      if (at && (r > bestRank || (r === bestRank && best && at.end > best.end))) { best = at; bestRank = r; }
    }
  }
  if (best) return best;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i];
    if (f.replayed && f.statements.length) return f.statements[f.statements.length - 1];
  }
  for (let i = files.length - 1; i >= 0; i--) if (files[i].statements.length) return files[i].statements[files[i].statements.length - 1];
  return undefined;
}

function qualified(schema: string | undefined, name: string): string {
  return schema && schema !== 'public' ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** One migration with every recommendation's CREATE INDEX statements (`findings`: the recommendations). */
export function indexMigration(project: Project, findings: Finding[]): IndexMigration {
  if (!findings.length) return { statements: [], message: 'There are no index recommendations to write.' };
  const files = project.order();
  const byName = new Map<string, Candidate>();
  const byShape = new Set<string>();
  const kept: Candidate[] = [];
  const skipped: string[] = [];
  let withoutFix = 0;
  for (const f of findings) {
    const found = indexStatements(project, f);
    if (!found.length) { withoutFix++; continue; }
    for (const c of found) {
      const shape = shapeKey(c.node, c.table);
      const nameKey = c.name ? tableKey(c.schema, c.name) : undefined;
      const same = nameKey ? byName.get(nameKey) : undefined;
      if (byShape.has(shape)) continue; // the same index, proposed twice
      if (same) { skipped.push(`${c.name} (its name is already used by another recommended index)`); continue; }
      byShape.add(shape);
      if (nameKey) byName.set(nameKey, c);
      kept.push(c);
    }
  }
  if (!kept.length) {
    return { statements: [], message: `None of the ${findings.length} index recommendations has a CREATE INDEX fix to write.` };
  }
  const anchor = anchorFor(files, findings);
  if (!anchor) return { statements: [], message: 'The project has no statement to place a migration after.' };

  const newFile = !placesInline(files);
  const transactional = project.config.migrations.transactional || (!newFile && inExplicitTransaction(anchor));
  const target = newFile ? undefined : anchor.file.path;
  const statements: string[] = [];
  const down: string[] = [];
  let concurrent = false;
  let downgraded = 0;
  for (const c of kept) {
    let sql = c.sql;
    const existing = c.table && c.table.createdIn !== target;
    if (!c.node.concurrent && existing && !c.table!.partitioned && !transactional) sql = withConcurrently(sql);
    if (c.node.concurrent && transactional) { sql = withoutConcurrently(sql); if (sql !== c.sql) downgraded++; }
    const isConcurrent = !!parseStatement(sql).node?.IndexStmt?.concurrent;
    concurrent ||= isConcurrent;
    statements.push(sql);
    down.unshift(c.name
      ? `DROP INDEX${isConcurrent ? ' CONCURRENTLY' : ''} IF EXISTS ${qualified(c.schema, c.name)};`
      : `-- PostgreSQL chose the name of the index built by: ${sql.replace(/\s+/g, ' ')}\n-- Look it up (\\d ${c.table?.name ?? 'the table'}) and drop it here.`);
  }
  const names = kept.map((c) => c.name).filter(Boolean) as string[];
  const title = kept.length === 1
    ? `Add index ${names[0] ?? 'recommended by DB Engineer'}`
    : `Add ${kept.length} recommended indexes`;
  const placement = placeMigration(files, { title, up: statements.join('\n'), down: down.join('\n'), anchor, nonTransactional: concurrent, lockTimeout: project.config.migrations.lockTimeout });
  const parts = [`${kept.length} CREATE INDEX statement${kept.length === 1 ? '' : 's'} from ${findings.length} recommendation${findings.length === 1 ? '' : 's'}`];
  if (downgraded) parts.push(`${downgraded} built without CONCURRENTLY, which cannot run inside the transaction this migration runs in`);
  if (withoutFix) parts.push(`${withoutFix} without a fix left out`);
  if (skipped.length) parts.push(`left out: ${skipped.join(', ')}`);
  return { placement, statements, message: parts.join('; ') + '.' };
}
