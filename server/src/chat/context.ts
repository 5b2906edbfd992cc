// The context an assistant question is asked with: the active SQL file (or the selected lines), the
// schema of the tables those statements reference, and the file's current findings with the rules'
// rationale. Trimmed to a character budget; whatever is left out is said in the text, so the model
// never mistakes a partial view for the whole file or schema.
import type { Project } from '../engine/project';
import type { Evidence, Finding, SourceFile, Statement } from '../model';
import { RULES_BY_ID } from '../rules';
import type { Schema, Table } from '../schema';
import { walk } from '../sql/ast';
import { SchemaTimeline } from '../engine/schema-at';
import { withoutComments } from './sql-text';

import type { DialectId } from '../dialects/types';
import type { ContextChip } from '../lsp/chat-protocol';
import { dialectLine, mysqlReferencedTables, renderMySqlTable } from './mysql-context';
export type { ChipKind, ContextChip } from '../lsp/chat-protocol';
export interface ChatContext {
  chips: ContextChip[];
  text: string;
  /** The dialect the text is in, when it is not PostgreSQL (the system prompt names it: persona-source.ts withDialect). */
  dialect?: DialectId;
}

export interface ContextOptions {
  /** The active file: the key the project knows it by (absolute path or URI). */
  file?: string;
  /** 1-based inclusive line range of the selection. */
  lines?: [number, number];
  /** Upper bound on the length of `text`. */
  budgetChars: number;
  /** How the file is named in the text (default: the last path segment). */
  label?: string;
  /** Findings already computed for the file (default: project.analyze([file])). */
  findings?: Finding[];
  /** What the editor's sandbox found for the file (the language server passes it; the CLI has none). */
  sandbox?: SandboxFindings;
}

/**
 * The editor's sandbox results for one file, as the language server keeps them (lsp/sandbox-host.ts):
 * PostgreSQL's own errors from the last replay, and the missing-index findings that got the planner's
 * measured costs. Positions are in the file as it is now.
 */
export interface SandboxFindings {
  /** postgres-error findings of the last run (SandboxHost.findingsFor). */
  errors?: Finding[];
  /** Missing-index findings with evidence applied (SandboxHost.applyEvidence(...).measured). */
  measured?: { finding: Finding; evidence: Evidence; index: string; table: string }[];
}

export const DEFAULT_BUDGET_CHARS = 24_000;

/** Shares of the budget; unused share flows to the sections after it. */
const FINDINGS_SHARE = 0.2;
const FILE_SHARE = 0.5;

export function buildContext(project: Project, options: ContextOptions): ChatContext {
  const budget = Math.max(500, Math.floor(options.budgetChars));
  const file = options.file ? project.getFile(options.file) : undefined;
  const chips: ContextChip[] = [];
  const parts: string[] = [];

  if (!file) {
    const schema = project.schema();
    // A MySQL project: its schema is MySQL's, and said to be.
    const mysql = project.mainFamily() === 'mysql';
    const intro = (options.file ? `The file ${options.file} is not part of the project; only the schema is given.\n\n` : 'No SQL file is open; the project schema is given.\n\n')
      + (mysql ? 'Dialect: MySQL (most of the project\'s SQL files). Answer with MySQL syntax and tools, not PostgreSQL\'s.\n\n' : '');
    const tables = [...schema.tables.values()];
    const s = renderSchema(project, schema, tables, budget - intro.length, 'project schema', mysql);
    const sent = s.text.slice(0, Math.max(0, budget - intro.length));
    if (sent) chips.push({ kind: 'schema', label: sent.length < s.text.length ? `${s.label} (truncated)` : s.label, chars: sent.length });
    return { chips, text: intro + sent, ...(mysql ? { dialect: 'mysql' as const } : {}) };
  }

  const name = options.label ?? baseName(file.path);
  const findings = withSandbox(options.findings ?? project.analyze([file.path]).get(file.path) ?? [], options.sandbox);
  // A MySQL file: the dialect on the first line, its own family's schema, tables as MySQL DDL.
  const mysql = file.dialect.family === 'mysql';
  // A migration is read against the schema as it stood before it (a rollback: after the migration it undoes).
  const at = mysql ? undefined : schemaPoint(project, file);
  const schema = mysql ? project.schemaFor(file.path) : at?.schema ?? project.schema();
  const head = mysql ? dialectLine(file.dialect) : '';
  if (head) parts.push(head);

  // Statements in view: the selection's, else the whole file's.
  let focus: Statement[] = file.statements;
  let range: [number, number] | undefined;
  if (options.lines) {
    const [a, b] = options.lines[0] <= options.lines[1] ? options.lines : [options.lines[1], options.lines[0]];
    range = [Math.max(1, a), Math.min(Math.max(1, b), file.lines.lineCount)];
    const s = file.lines.lineStart(range[0] - 1);
    const e = range[1] < file.lines.lineCount ? file.lines.lineStart(range[1]) : file.text.length;
    focus = file.statements.filter((st) => st.start < e && st.end > s);
  }
  const inFocus = (f: Finding) => !range || focus.some((st) => f.start < st.end && f.end >= st.start) || within(file, f, range);
  const focusFindings = findings.filter(inFocus);

  // 1. Findings (small, most useful per character).
  const fnd = renderFindings(file, focusFindings, findings.length - focusFindings.length, Math.floor(budget * FINDINGS_SHARE), name);
  // 2. The SQL: whole file or selection when it fits, else the statements that matter.
  const sqlBudget = Math.floor(budget * (FINDINGS_SHARE + FILE_SHARE)) - fnd.text.length - head.length;
  const sql = renderSql(file, name, focus, range, focusFindings, sqlBudget);
  // 3. Schema of the referenced tables, with what is left.
  const inView = sql.statements.length ? sql.statements : focus;
  const referenced = mysql ? mysqlReferencedTables(schema, inView) : referencedTables(schema, inView);
  const schemaBudget = budget - fnd.text.length - sql.text.length - 4 - (head ? head.length + 2 : 0);
  const sch = renderSchema(project, schema, referenced, schemaBudget, 'tables referenced', mysql, at?.when);

  // Over budget (the sections' estimates are not exact): the schema gives way first, then the SQL;
  // the findings (errors first) are kept. Every chip counts the characters of its part as sent.
  let schemaPart = sch;
  const total = () => parts.reduce((n, p) => n + p.length + 2, 0) + sql.text.length + schemaPart.text.length + fnd.text.length + 4;
  if (total() > budget && schemaPart.text) {
    schemaPart = renderSchema(project, schema, referenced, schemaPart.text.length - (total() - budget) - 10, 'tables referenced', mysql, at?.when);
  }
  let sqlText = sql.text, sqlLabel = range ? `${name}:${range[0]}-${range[1]}` : sql.label;
  if (total() - sql.text.length + sqlText.length > budget) {
    const room = Math.max(0, sql.text.length - (total() - budget) - 30);
    sqlText = sql.text.slice(0, room) + '\n-- [... truncated]\n```';
    sqlLabel += ' (truncated)';
  }
  parts.push(sqlText);
  chips.push({ kind: range ? 'selection' : 'file', label: sqlLabel, chars: sqlText.length });
  if (schemaPart.text) { parts.push(schemaPart.text); chips.push({ kind: 'schema', label: schemaPart.label, chars: schemaPart.text.length }); }
  parts.push(fnd.text);
  chips.push({ kind: 'findings', label: fnd.label, chars: fnd.text.length });
  let text = parts.join('\n\n');
  if (text.length > budget) {
    // a last resort for a tiny budget: the end is cut, and the chips count only what is left of each part
    text = text.slice(0, budget - 16) + '\n[... truncated]';
    let at = head ? head.length + 2 : 0, last: ContextChip | undefined;
    for (const c of chips) {
      const room = Math.max(0, Math.min(c.chars, budget - 16 - at));
      if (room < c.chars) { c.chars = room; c.label += ' (truncated)'; }
      if (room > 0) last = c;
      at += c.chars + 2;
    }
    if (last) last.chars += 16; // the marker ends the last part sent
  }
  return { chips: chips.filter((c) => c.chars > 0), text, ...(mysql ? { dialect: file.dialect.id } : {}) };
}

/** Statement kinds that change the schema: a file with one is replayed as a migration (as completion.ts reads it). */
const DDL = new Set(['CreateStmt', 'AlterTableStmt', 'IndexStmt', 'RenameStmt', 'DropStmt', 'ViewStmt', 'CreateTableAsStmt']);
const timelines = new WeakMap<Project, SchemaTimeline>();

/**
 * The schema a migration is written against: before the file (an up migration), or after the
 * migration it undoes (a rollback). undefined for a query file (the final schema is right) and for a
 * file the replay order does not hold.
 */
function schemaPoint(project: Project, file: SourceFile): { schema: Schema; when: string } | undefined {
  let timeline = timelines.get(project);
  if (!timeline) timelines.set(project, timeline = new SchemaTimeline(project));
  project.order();
  if (file.isDown || file.migration?.role === 'down') {
    const up = file.migration?.undoes ? project.getFile(file.migration.undoes) : undefined;
    const s = up && timeline.before(up, up.statements.length);
    return s ? { schema: s, when: `as of after ${baseName(up.path)}, the migration this rollback undoes` } : undefined;
  }
  if (!file.replayed || !file.statements.some((st) => st.kind && DDL.has(st.kind))) return undefined;
  const s = timeline.before(file, 0);
  return s ? { schema: s, when: 'as of before this migration' } : undefined;
}

/**
 * The file's findings with the sandbox's: each measured missing-index finding in place of the static
 * one at the same spot (its message carries the planner's costs), then PostgreSQL's errors, in file order.
 */
function withSandbox(findings: Finding[], sandbox: SandboxFindings | undefined): Finding[] {
  if (!sandbox) return findings;
  const measured = new Map<string, Finding>();
  for (const m of sandbox.measured ?? []) measured.set(`${m.finding.rule}\u0000${m.finding.start}`, m.finding);
  const out = findings.map((f) => measured.get(`${f.rule}\u0000${f.start}`) ?? f);
  for (const m of measured.values()) if (!out.includes(m)) out.push(m);
  for (const e of sandbox.errors ?? []) if (!out.some((f) => f.rule === e.rule && f.start === e.start && f.message === e.message)) out.push(e);
  return out.sort((a, b) => a.start - b.start);
}

function baseName(p: string): string {
  const s = p.replace(/[\\/]+$/, '');
  return s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1) || p;
}

function within(file: SourceFile, f: Finding, range: [number, number]): boolean {
  const line = file.lines.position(f.start).line + 1;
  return line >= range[0] && line <= range[1];
}

function lineOf(file: SourceFile, offset: number): number { return file.lines.position(offset).line + 1; }

// ---- SQL ----------------------------------------------------------------------------------------

interface SqlPart { text: string; label: string; statements: Statement[] }

function renderSql(file: SourceFile, name: string, focus: Statement[], range: [number, number] | undefined, findings: Finding[], budget: number): SqlPart {
  const fence = (header: string, body: string) => `${header}\n\`\`\`sql\n${body.replace(/\s+$/, '')}\n\`\`\``;
  if (file.skipped) return { text: `## File ${name}\n${file.skipped}`, label: `${name} (not analysed)`, statements: [] };

  // The whole view as written, when it fits.
  let viewStart = 0, viewEnd = file.text.length, header = `## File ${name} (${file.lines.lineCount} lines)`;
  if (range) {
    viewStart = file.lines.lineStart(range[0] - 1);
    viewEnd = range[1] < file.lines.lineCount ? file.lines.lineStart(range[1]) : file.text.length;
    // Widen to whole statements: a half statement is worse than a few extra lines.
    for (const st of focus) { viewStart = Math.min(viewStart, lineStartAt(file, st.start)); viewEnd = Math.max(viewEnd, st.end); }
    const a = lineOf(file, viewStart), b = lineOf(file, Math.max(viewStart, viewEnd - 1));
    header = `## Selection: ${name} lines ${a}-${b} (of ${file.lines.lineCount})`;
  }
  const whole = fence(header, file.text.slice(viewStart, viewEnd));
  const wholeLabel = range ? `${name}:${range[0]}-${range[1]}` : name;
  if (whole.length <= budget) return { text: whole, label: wholeLabel, statements: focus };

  // Too large: the statements with findings first, then the rest of the view in order, as fit.
  const stmts = focus.length ? focus : file.statements;
  // statements with errors first, then with warnings, then with other findings
  const worst = (st: Statement) => Math.min(9, ...findings.filter((f) => f.start < st.end && f.end >= st.start).map((f) => SEVERITY_RANK[f.severity] ?? 9));
  const flagged = new Set(stmts.map((st) => ({ st, w: worst(st) })).filter((x) => x.w < 9).sort((a, b) => a.w - b.w).map((x) => x.st));
  const ordered = [...flagged, ...stmts.filter((st) => !flagged.has(st))];
  const picked = new Set<Statement>();
  let used = header.length + 200;
  for (const st of ordered) {
    const cost = st.end - st.start + 40;
    if (used + cost > budget) continue;
    picked.add(st);
    used += cost;
  }
  const body: string[] = [];
  let omitted = 0, omittedFrom = -1, omittedTo = -1;
  const flush = () => {
    if (omitted) body.push(`-- [omitted: ${omitted} statement${omitted === 1 ? '' : 's'}, lines ${omittedFrom}-${omittedTo}]`);
    omitted = 0;
  };
  for (const st of stmts) {
    if (picked.has(st)) {
      flush();
      body.push(`-- line ${lineOf(file, st.start)}\n${file.text.slice(st.start, st.end).trim()}`);
    } else {
      if (!omitted) omittedFrom = lineOf(file, st.start);
      omitted++;
      omittedTo = lineOf(file, Math.max(st.start, st.end - 1));
    }
  }
  flush();
  const note = `Too large to send whole: ${picked.size} of ${stmts.length} statements shown (those with errors first, then warnings, then other findings); the others are marked as omitted.`;
  let text = fence(`${header}\n${note}`, body.join('\n\n'));
  if (text.length > budget) text = text.slice(0, Math.max(0, budget - 40)) + '\n-- [... truncated]\n```';
  return { text, label: `${name} (${picked.size} of ${stmts.length} statements)`, statements: [...picked] };
}

function lineStartAt(file: SourceFile, offset: number): number {
  return file.lines.lineStart(file.lines.position(offset).line);
}

// ---- Schema -------------------------------------------------------------------------------------

/**
 * Tables (and views) the statements name, in order of first mention: FROM / JOIN relations, the
 * targets of INSERT / UPDATE / DELETE / MERGE, ALTER TABLE, CREATE INDEX, RENAME, TRUNCATE, the table
 * a REFERENCES points at, DROP TABLE / VIEW (and the table of a dropped index), COMMENT ON a table or
 * column. A name the schema does not hold is left out.
 */
export function referencedTables(schema: Schema, statements: Statement[]): Table[] {
  const out: Table[] = [];
  const seen = new Set<string>();
  const cteNames = new Set<string>();
  const add = (t: Table | undefined) => { if (t && !seen.has(t.key)) { seen.add(t.key); out.push(t); } };
  const rangeVar = (rv: any) => {
    if (!rv || typeof rv.relname !== 'string') return;
    if (!rv.schemaname && cteNames.has(rv.relname)) return;
    add(schema.table(rv.schemaname || undefined, rv.relname));
  };
  const names = (list: any): string[] => (list?.List?.items ?? (Array.isArray(list) ? list : [])).map((i: any) => i?.String?.sval).filter((x: any) => typeof x === 'string');
  for (const st of statements) {
    if (!st.node) continue;
    walk(st.parsed.node, (kind, node) => {
      if (kind === 'CommonTableExpr' && node.ctename) cteNames.add(node.ctename);
      if (kind === 'RangeVar') { rangeVar(node); return; }
      // RangeVars the parse tree holds unwrapped: the target of the statement, a REFERENCES table
      if (node.relation && !node.relation.RangeVar) rangeVar(node.relation);
      if (kind === 'Constraint' && node.pktable) rangeVar(node.pktable);
      if (kind === 'DropStmt' && Array.isArray(node.objects)) {
        for (const o of node.objects) {
          const n = names(o);
          if (!n.length) continue;
          const [sch, name] = n.length > 1 ? [n[n.length - 2], n[n.length - 1]] : [undefined, n[0]];
          if (node.removeType === 'OBJECT_TABLE' || node.removeType === 'OBJECT_VIEW' || node.removeType === 'OBJECT_MATVIEW') add(schema.table(sch, name));
          else if (node.removeType === 'OBJECT_INDEX') {
            for (const ix of schema.indexes.values()) if (ix.name === name) add(schema.tables.get(ix.table));
          }
        }
      }
      if (kind === 'CommentStmt') {
        const n = names(node.object);
        if (node.objtype === 'OBJECT_TABLE' || node.objtype === 'OBJECT_VIEW' || node.objtype === 'OBJECT_MATVIEW') {
          if (n.length) add(schema.table(n.length > 1 ? n[n.length - 2] : undefined, n[n.length - 1]));
        } else if (node.objtype === 'OBJECT_COLUMN' && n.length >= 2) {
          add(schema.table(n.length > 2 ? n[n.length - 3] : undefined, n[n.length - 2]));
        }
      }
    });
  }
  return out;
}

function renderSchema(project: Project, schema: Schema, tables: Table[], budget: number, what: string, mysql = false, when = 'after all migrations'): { text: string; label: string } {
  if (!tables.length || budget < 80) {
    if (!tables.length) return { text: '', label: '' };
    return { text: `## Schema\n(${tables.length} ${what} omitted for length: ${tables.map((t) => t.key).join(', ')})`.slice(0, Math.max(0, budget)), label: `0 of ${tables.length} tables` };
  }
  const head = mysql ? `## Schema (${what}, ${when}, as MySQL DDL)` : `## Schema (${what}, ${when})`;
  const blocks: string[] = [];
  const omitted: string[] = [];
  let used = head.length + 120;
  for (const t of tables) {
    const b = mysql ? renderMySqlTable(schema, t) : renderTable(project, schema, t);
    if (used + b.length + 2 > budget) { omitted.push(t.key); continue; }
    blocks.push(b);
    used += b.length + 2;
  }
  if (omitted.length) blocks.push(`(omitted for length: ${omitted.join(', ')})`);
  const shown = tables.length - omitted.length;
  const ddl = blocks.slice(0, shown);
  const body = mysql && ddl.length ? ['```sql\n' + ddl.join('\n\n') + '\n```', ...blocks.slice(shown)] : blocks;
  return { text: [head, ...body].join('\n\n'), label: `${shown}${omitted.length ? ` of ${tables.length}` : ''} table${tables.length === 1 ? '' : 's'}` };
}

function renderTable(project: Project, schema: Schema, t: Table): string {
  const lines: string[] = [];
  if (t.kind !== 'table') {
    lines.push(`${t.kind === 'view' ? 'VIEW' : 'MATERIALIZED VIEW'} ${t.key}`);
    if (t.definition) lines.push('  ' + oneLine(t.definition, 400));
  } else {
    lines.push(`TABLE ${t.key}${t.partitioned ? ' (partitioned)' : ''}${t.partitionOf ? ` PARTITION OF ${t.partitionOf}` : ''}`);
  }
  for (const c of t.columns.values()) {
    const bits = [`  ${c.name} ${c.typeText || c.type}${c.array && !/\[\]$/.test(c.typeText) ? '[]' : ''}`];
    if (c.notNull) bits.push('NOT NULL');
    if (c.identity) bits.push('GENERATED AS IDENTITY');
    else if (c.generated) bits.push('GENERATED');
    else if (c.hasDefault) bits.push(`DEFAULT ${defaultText(project, c.loc) ?? '(set)'}`);
    lines.push(bits.join(' '));
  }
  if (t.primaryKey) lines.push(`  PRIMARY KEY (${t.primaryKey.columns.join(', ')})`);
  for (const fk of t.foreignKeys) {
    lines.push(`  FOREIGN KEY (${fk.columns.join(', ')}) REFERENCES ${fk.refTable}${fk.refColumns.length ? ` (${fk.refColumns.join(', ')})` : ''}${fk.notValid ? ' NOT VALID' : ''}`);
  }
  for (const ck of t.checks) {
    const src = ck.text || checkText(project, ck.loc);
    if (src) lines.push(`  ${/^\s*(constraint|check)\b/i.test(src) ? '' : 'CHECK '}${oneLine(src, 200)}`);
  }
  const ixs = schema.indexesOf(t);
  if (ixs.length) {
    lines.push('  indexes:');
    for (const ix of ixs) {
      if (ix.columns.some((c) => c === null)) {
        // Expression keys: the statement as written says it best.
        const src = statementText(project, ix.loc);
        if (src) { lines.push(`    ${ix.name}: ${oneLine(src, 300)}`); continue; }
      }
      const cols = ix.columns.map((c, i) => (c ?? `(${ix.exprs[i] || 'expression'})`) + (ix.opclasses[i] ? ` ${ix.opclasses[i]}` : '')).join(', ');
      let s = `    ${ix.name}: ${ix.unique ? 'UNIQUE ' : ''}${ix.method || 'btree'} (${cols})`;
      if (ix.include.length) s += ` INCLUDE (${ix.include.join(', ')})`;
      if (ix.predicate) s += ` WHERE ${oneLine(ix.predicateText || ix.predicate, 200)}`;
      if (ix.constraint) s += ` [${ix.constraint === 'primary' ? 'primary key' : 'unique constraint'}]`;
      lines.push(s);
    }
  } else if (t.kind === 'table') lines.push('  indexes: none');
  return lines.join('\n');
}

/** CHECK (...) as written at loc: from the keyword to its balanced closing parenthesis. */
function checkText(project: Project, loc: { path: string; start: number }): string {
  const f = project.getFile(loc.path);
  if (!f) return '';
  const text = withoutComments(f.text.slice(loc.start, loc.start + 600));
  const open = text.indexOf('(');
  if (open < 0 || open > 120) return '';
  let depth = 0, q = '';
  for (let i = open; i < Math.min(text.length, open + 400); i++) {
    const ch = text[i];
    if (q) { if (ch === q) q = ''; continue; }
    if (ch === "'" || ch === '"') q = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return 'CHECK ' + text.slice(open, i + 1);
  }
  return '';
}

/** The text of the statement at loc (CREATE INDEX ...), without the trailing semicolon. */
function statementText(project: Project, loc: { path: string; start: number }): string {
  const f = project.getFile(loc.path);
  const st = f?.statements.find((s) => s.start <= loc.start && loc.start < s.end);
  return st ? withoutComments(f!.text.slice(st.start, st.end)).replace(/;\s*$/, '') : '';
}

/**
 * The DEFAULT expression as written where the column was defined, when it can be read off the source;
 * comments are not part of it (`DEFAULT now() -- set by app` is `now()`).
 */
function defaultText(project: Project, loc: { path: string; start: number }): string | undefined {
  const f = project.getFile(loc.path);
  if (!f) return undefined;
  // The column definition runs to the next top-level comma or the closing parenthesis.
  const text = withoutComments(f.text.slice(loc.start, loc.start + 600));
  let depth = 0, i = 0, q = '';
  const limit = Math.min(text.length, 400);
  for (; i < limit; i++) {
    const ch = text[i];
    if (q) { if (ch === q) q = ''; continue; }
    if (ch === "'" || ch === '"') { q = ch; continue; }
    if (ch === '(') depth++;
    else if (ch === ')') { if (depth === 0) break; depth--; }
    else if ((ch === ',' || ch === ';') && depth === 0) break;
  }
  const def = text.slice(0, i);
  const m = /\bdefault\s+([\s\S]+?)(?=\s+(?:not\s+null|null|primary\s+key|references|unique|check|constraint|generated|collate)\b|\s*$)/i.exec(def);
  return m ? oneLine(m[1], 120) : undefined;
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

// ---- Findings -----------------------------------------------------------------------------------

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2, hint: 3 };
const bySeverity = (a: Finding, b: Finding) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || a.start - b.start;

function renderFindings(file: SourceFile, findings: Finding[], outside: number, budget: number, name: string): { text: string; label: string } {
  const outsideNote = outside ? ` (${outside} more outside the selection not listed)` : '';
  if (!findings.length) {
    return { text: `## Findings\nDB Engineer reports no findings in ${name}${outside ? ' within the selection' : ''}${outsideNote}.`, label: 'no findings' };
  }
  const head = `## Findings (DB Engineer's static analysis of ${name})${outsideNote}`;
  // errors first, then warnings, then the rest: what is cut for length is the least severe
  const ordered = [...findings].sort(bySeverity);
  const sandboxNote = ordered.some((f) => f.rule === 'postgres-error' || f.evidence)
    ? 'postgres-error findings are PostgreSQL\'s own errors from replaying the project\'s migrations in DB Engineer\'s sandbox; "planner: cost" figures were measured there on generated data.'
    : '';
  const rows: string[] = [];
  const rules: string[] = [];
  let used = head.length + sandboxNote.length + 80, shown = 0;
  for (const f of ordered) {
    const row = `- line ${lineOf(file, f.start)} [${f.severity}] ${f.rule}: ${oneLine(f.message, 300)}`;
    if (used + row.length + 1 > budget * 0.7 && shown > 0) break;
    rows.push(row);
    used += row.length + 1;
    shown++;
    if (!rules.includes(f.rule)) rules.push(f.rule);
  }
  const left = findings.length - shown;
  if (left) {
    const kinds = ordered.slice(shown).reduce((m, f) => m.set(f.severity, (m.get(f.severity) ?? 0) + 1), new Map<string, number>());
    rows.push(`- ... ${left} more finding${left === 1 ? '' : 's'} omitted for length (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`);
  }
  const why: string[] = [];
  for (const id of rules) {
    const r = RULES_BY_ID.get(id);
    if (!r) continue;
    const line = `- ${id}: ${oneLine(r.meta.rationale, 400)}`;
    if (used + line.length + 1 > budget) { why.push(`- (rationale of the other rules omitted for length)`); break; }
    why.push(line);
    used += line.length + 1;
  }
  const text = [head, ...(sandboxNote ? [sandboxNote] : []), ...rows, ...(why.length ? ['', 'Why these rules matter:', ...why] : [])].join('\n');
  const n = findings.length;
  return { text, label: left ? `${shown} of ${n} findings` : `${n} finding${n === 1 ? '' : 's'}` };
}
