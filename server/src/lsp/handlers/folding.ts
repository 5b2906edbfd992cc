// Folding ranges: every statement that spans lines, the dollar-quoted bodies inside statements,
// block comments, runs of line comments, and the sections of goose (`-- +goose Up` / `Down`,
// `StatementBegin` / `StatementEnd`) and dbmate (`-- migrate:up` / `-- migrate:down`) files.
import { FoldingRangeKind, type FoldingRange, type FoldingRangeParams } from 'vscode-languageserver';
import type { SourceFile } from '../../model';
import { fileTokens } from '../../sql/spans';
import { guard, type DbeServer } from '../server';
import { lex } from '../../dialects/mysql/lex';
import type { MySqlSplit } from '../../dialects/mysql/split';

export function register(server: DbeServer): void {
  server.connection.onFoldingRanges(guard(server, 'foldingRange', null as FoldingRange[] | null, (p: FoldingRangeParams) => foldingRanges(server, p)));
}

export function foldingRanges(server: DbeServer, params: FoldingRangeParams): FoldingRange[] | null {
  if (!server.settings.enable) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found) return null;
  return folds(found.file);
}

interface Comment { start: number; end: number; block: boolean }

/** Comments of a SQL text: `--` to the end of the line, `/* … *\/` (nested), outside strings, quoted names and dollar quotes. */
export function comments(text: string): Comment[] {
  const out: Comment[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      out.push({ start: i, end: e, block: false });
      i = e;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1, j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') { depth++; j += 2; } else if (text[j] === '*' && text[j + 1] === '/') { depth--; j += 2; } else j++;
      }
      out.push({ start: i, end: j, block: true });
      i = j;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) { if (text[j] === c) { if (text[j + 1] === c) { j += 2; continue; } break; } j++; }
      i = j + 1;
    } else if (c === '$' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (!m) { i++; continue; }
      const close = text.indexOf(m[0], i + m[0].length);
      i = close < 0 ? n : close + m[0].length;
    } else i++;
  }
  return out;
}

export function folds(file: SourceFile): FoldingRange[] {
  const out: FoldingRange[] = [];
  const line = (o: number) => file.lines.position(o).line;
  const add = (s: number, e: number, kind?: FoldingRangeKind) => { if (e > s) out.push({ startLine: s, endLine: e, ...(kind ? { kind } : {}) }); };
  for (const stmt of file.statements) {
    const first = line(stmt.start);
    let endOff = stmt.end;
    while (endOff > stmt.start && /\s/.test(file.text[endOff - 1])) endOff--;
    add(first, line(Math.max(stmt.start, endOff - 1)));
    // dollar-quoted bodies: from the opening line to the line before the closing quote
    for (const t of stmt.node && file.dialect.family !== 'mysql' ? fileTokens(stmt) : []) {
      if (t.kind !== 'SCONST' || !t.text.startsWith('$')) continue;
      add(line(t.start), line(t.end) - 1);
    }
  }
  // comments: a block comment, or a run of line comments on consecutive lines (MySQL: its own
  // lexer's comments, `#` ones too; an executable /*! ... */ comment is code, not folded as a comment)
  const my = file.dialect.family === 'mysql';
  const cs = my ? lex(file.text).comments.map((c) => ({ start: c.start, end: c.end, block: c.text.startsWith('/*') })) : comments(file.text);
  // a DELIMITER block (from `DELIMITER $$` to the next DELIMITER line)
  const delims = my ? (file.split as Partial<MySqlSplit>).delimiters ?? [] : [];
  for (let k = 0; k + 1 < delims.length; k++) if (delims[k].delimiter !== ';') add(line(delims[k].start), line(delims[k + 1].start), FoldingRangeKind.Region);
  const marker = /^--\s*(\+goose\s+(Up|Down|StatementBegin|StatementEnd)|migrate:(up|down))\b/i;
  let run: { start: number; end: number } | undefined;
  const flush = () => { if (run) add(run.start, run.end, FoldingRangeKind.Comment); run = undefined; };
  for (const c of cs) {
    if (c.block) { flush(); add(line(c.start), line(c.end - 1), FoldingRangeKind.Comment); continue; }
    const l = line(c.start);
    const alone = /^[ \t]*$/.test(file.text.slice(file.lines.lineStart(l), c.start));
    if (!alone || marker.test(file.text.slice(c.start, c.end))) { flush(); continue; }
    if (run && l === run.end + 1) run.end = l; else { flush(); run = { start: l, end: l }; }
  }
  flush();
  // goose and dbmate sections
  const marks: { line: number; what: string }[] = [];
  for (const c of cs) {
    const m = marker.exec(file.text.slice(c.start, c.end));
    if (m) marks.push({ line: line(c.start), what: (m[2] ?? m[3]).toLowerCase() });
  }
  const last = file.lines.lineCount - 1;
  const sections = marks.filter((m) => m.what === 'up' || m.what === 'down');
  sections.forEach((m, k) => {
    let end = (k + 1 < sections.length ? sections[k + 1].line - 1 : last);
    while (end > m.line && file.lines.lineText(end).trim() === '') end--;
    add(m.line, end, FoldingRangeKind.Region);
  });
  const begins: number[] = [];
  for (const m of marks) {
    if (m.what === 'statementbegin') begins.push(m.line);
    else if (m.what === 'statementend' && begins.length) add(begins.pop()!, m.line, FoldingRangeKind.Region);
  }
  return out;
}
