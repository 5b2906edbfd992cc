// Suppression comments:
//   -- dbe-ignore rule-a, rule-b      on the line(s) directly above a statement: silences it there
//   -- dbe-ignore-file rule-a         anywhere in the file: silences the rule in the whole file
import type { Finding, SourceFile, Statement } from '../model';

const FILE_RE = /--\s*dbe-ignore-file\b([^\n\r]*)/g;
const LINE_RE = /^\s*--\s*dbe-ignore(?!-file)\b(.*)$/;

function ids(list: string): string[] {
  return list.split(/[,\s]+/).map((s) => s.trim()).filter((s) => /^[a-z0-9-]+$/.test(s));
}

export function fileSuppressions(file: SourceFile): Set<string> {
  const out = new Set<string>();
  if (file.text.indexOf('dbe-ignore-file') < 0) return out;
  for (const m of file.text.matchAll(FILE_RE)) for (const id of ids(m[1])) out.add(id);
  return out;
}

/** Rule ids silenced for a statement by the comment lines directly above it. */
export function statementSuppressions(file: SourceFile, stmt: Statement): Set<string> {
  const out = new Set<string>();
  let line = file.lines.position(stmt.start).line - 1;
  while (line >= 0) {
    const text = file.lines.lineText(line);
    const m = LINE_RE.exec(text);
    if (m) { for (const id of ids(m[1])) out.add(id); line--; continue; }
    if (/^\s*--/.test(text)) { line--; continue; }
    break;
  }
  return out;
}

/** The statement containing offset, by binary search. */
export function statementAt(file: SourceFile, offset: number): Statement | undefined {
  const s = file.statements;
  let lo = 0, hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid].end < offset) lo = mid + 1;
    else if (s[mid].start > offset) hi = mid - 1;
    else return s[mid];
  }
  return undefined;
}

export function applySuppressions(file: SourceFile, findings: Finding[]): Finding[] {
  if (findings.length === 0 || file.text.indexOf('dbe-ignore') < 0) return findings;
  const fileIds = fileSuppressions(file);
  const cache = new Map<Statement, Set<string>>();
  return findings.filter((f) => {
    if (fileIds.has(f.rule)) return false;
    const stmt = statementAt(file, f.start);
    if (!stmt) return true;
    let set = cache.get(stmt);
    if (!set) { set = statementSuppressions(file, stmt); cache.set(stmt, set); }
    return !set.has(f.rule);
  });
}
