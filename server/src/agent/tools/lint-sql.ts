// lint_sql: DB Engineer's findings for SQL text or a file
import type { Finding, SourceFile } from '../../model';
import { hasDdl, lintText, type TextPosition } from '../lint-text';
import type { ToolContext, ToolResult, ToolSpec } from '../tool';

interface LintInput { sql?: string; path?: string; as_migration?: boolean }

/** Most replacement text shown per fix (its edits together). */
const MAX_FIX_CHARS = 2000;

/** Per finding as data (tests, MCP structuredContent). */
export interface FindingData {
  line: number; col: number; severity: string; rule: string; message: string;
  fixes?: { title: string; replacement: string }[];
}

/** One finding as the model reads it: `line:col severity rule message`, then each fix's title and replacement text. */
export function findingLines(f: Finding, pos: (offset: number) => TextPosition, show?: (key: string) => string, home?: string): string[] {
  const at = pos(f.start);
  const out = [`${at.line}:${at.col} ${f.severity} ${f.rule} ${f.message.replace(/\s*\n\s*/g, ' ')}`];
  for (const fix of f.fixes ?? []) {
    out.push(`  fix: ${fix.title}`);
    // a long fix (an expand-contract plan over three migrations) is cut: the model reads its start and
    // where the rest goes, within a budget per fix
    let budget = MAX_FIX_CHARS;
    for (const [i, e] of fix.edits.entries()) {
      let where: string;
      if (e.path !== home) where = `${e.create ? 'new file' : 'in'} ${show ? show(e.path) : e.path}`;
      else {
        const a = pos(e.start), b = pos(e.end);
        where = e.start === e.end ? `insert at ${a.line}:${a.col}` : `replace ${a.line}:${a.col}-${b.line}:${b.col} with`;
      }
      if (!e.newText.trim()) { out.push(`  ${where.replace(/^replace (.*) with$/, 'delete $1')}${e.path === home ? '' : ': delete some text'}`); continue; }
      if (budget <= 0) {
        const rest = fix.edits.slice(i).map((x) => (x.path === home ? 'this text' : show ? show(x.path) : x.path));
        out.push(`  … ${rest.length} more edit${rest.length === 1 ? '' : 's'} of this fix not shown (${[...new Set(rest)].join(', ')})`);
        break;
      }
      let text = e.newText.replace(/^\n+|\n+$/g, '');
      if (text.length > budget) {
        const cut = text.lastIndexOf('\n', budget) > 0 ? text.lastIndexOf('\n', budget) : budget;
        text = `${text.slice(0, cut)}\n-- … (${text.length - cut} more characters of this fix not shown)`;
        budget = 0;
      } else budget -= text.length;
      out.push(`  ${where}:`, '  ```sql', ...text.split('\n').map((l) => `  ${l}`), '  ```');
    }
  }
  return out;
}

export function countLine(findings: readonly Finding[]): string {
  if (!findings.length) return 'no findings';
  const n = (sev: string, word: string) => {
    const k = findings.filter((f) => f.severity === sev).length;
    return k ? `${k} ${word}${k === 1 ? '' : 's'}` : '';
  };
  return [n('error', 'error'), n('warning', 'warning'), n('info', 'info'), n('hint', 'hint')].filter(Boolean).join(', ');
}

export function findingData(f: Finding, at: TextPosition): FindingData {
  return {
    line: at.line, col: at.col, severity: f.severity, rule: f.rule, message: f.message,
    ...(f.fixes?.length ? { fixes: f.fixes.map((x) => ({ title: x.title, replacement: x.edits.map((e) => e.newText).join('\n') })) } : {}),
  };
}

async function run(input: LintInput, ctx: ToolContext): Promise<ToolResult> {
  const hasSql = typeof input.sql === 'string' && input.sql.trim() !== '';
  const hasPath = typeof input.path === 'string' && input.path.trim() !== '';
  if (hasSql && hasPath) return bad('give either sql or path, not both');
  if (!hasSql && !hasPath) {
    return bad(typeof input.sql === 'string' ? 'the sql is empty: pass the SQL text to check' : 'pass sql (the SQL text to check) or path (a file of the project)');
  }
  if (hasPath) return lintFile(input.path!, ctx);
  const sql = input.sql!;
  const asMigration = input.as_migration ?? hasDdl(sql);
  const r = lintText(ctx.project, sql, { asMigration });
  const lines = [
    asMigration
      ? `Checked as a new migration appended to the project's chain (as ${r.shownAs}${r.role === 'migration, not last' ? '; note: the ordering did not put it last' : ''}).`
      : 'Checked as a query against the project\'s schema (after all migrations).',
  ];
  const body = r.findings.flatMap((f) => findingLines(f, (o) => r.position(r.file, o), ctx.showPath, r.file.path));
  lines.push(r.findings.length ? `${countLine(r.findings)}:` : 'No findings.', ...body);
  if (r.internalErrors) lines.push(`(${r.internalErrors} rule check${r.internalErrors === 1 ? '' : 's'} failed inside DB Engineer; their findings are missing.)`);
  return {
    text: lines.join('\n'),
    summary: `lint: ${countLine(r.findings)}`,
    data: { asMigration, findings: r.findings.map((f) => findingData(f, r.position(r.file, f.start))) },
  };
}

function lintFile(p: string, ctx: ToolContext): ToolResult {
  const key = ctx.resolvePath(p);
  if (!key) return bad(`${p} is outside the project; give a path relative to the project root`);
  const file: SourceFile | undefined = ctx.project.getFile(key);
  if (!file) {
    const known = ctx.project.order().map((f) => ctx.showPath(f.path));
    return bad(`${p} is not a SQL file of the project${known.length ? ` (its files: ${known.slice(0, 30).join(', ')}${known.length > 30 ? ', …' : ''})` : ' (it has no SQL files)'}`);
  }
  // the editor's project is live: a copy is analysed (cheap, and the open file's state is never disturbed)
  const copy = ctx.project.fork();
  const findings = copy.analyze([key]).get(key) ?? [];
  const shown = ctx.showPath(key);
  const pos = (o: number): TextPosition => { const q = file.lines.position(o); return { line: q.line + 1, col: q.character + 1 }; };
  const at = (f: Finding): TextPosition => pos(f.start);
  const lines = [`${shown}: ${findings.length ? `${countLine(findings)}:` : 'no findings.'}`, ...findings.flatMap((f) => findingLines(f, pos, ctx.showPath, key))];
  return { text: lines.join('\n'), summary: `lint ${shown}: ${countLine(findings)}`, data: { path: shown, findings: findings.map((f) => findingData(f, at(f))) } };
}

function bad(msg: string): ToolResult {
  return { text: `lint_sql: ${msg}.`, summary: `lint_sql: ${msg}`, isError: true };
}

export const lintSql: ToolSpec = {
  name: 'lint_sql',
  title: 'Lint SQL',
  description: 'Runs DB Engineer\'s rules (query anti-patterns, schema design, unsafe migrations) on SQL text in the project\'s context (its schema), or on a project file. Returns each finding as `line:col severity rule message`, followed by the fix (its title and replacement SQL) when there is one. Pass sql, or path for a file of the project; with sql, as_migration says whether the text is a new migration appended last to the chain (named as the project\'s migration tool names the next one; default: yes when it has DDL) or a query file judged against the schema after all migrations. Nothing is written.',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'SQL text to check against the project schema.' }, path: { type: 'string', description: 'A project file to check instead (relative to the project root).' }, as_migration: { type: 'boolean', description: 'With sql: treat the text as a new migration appended to the chain. Default true when it has DDL.' } }, additionalProperties: false },
  run: async (input, ctx) => run(input as LintInput, ctx),
};
