// The sandbox and the unknown-relation / unknown-column rules can say the same thing about one
// statement ("relation ... does not exist" after a save, "Unknown table or view ..." as you type):
// the user sees it once, the rule's (it covers the whole name and offers the fix).
import { statementAt } from '../engine/suppress';
import type { Finding, SourceFile } from '../model';

const DOES_NOT_EXIST = /\b(relation|column) "?([^"\s]+?)"?(?: of relation "[^"]+")? does not exist/;

/** The last part of a written name, unquoted and (unless quoted) lowercased. */
function lastPart(written: string): string {
  const m = /(?:"((?:[^"]|"")*)"|([^."\s]+))\s*$/.exec(written.trim());
  if (!m) return written;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase();
}

/** `sandbox` without the postgres-error findings that a static unknown-name finding of the same statement already reports. */
export function withoutReportedUnknowns(file: SourceFile, findings: readonly Finding[], sandbox: Finding[]): Finding[] {
  const unknown = findings.filter((f) => f.rule === 'unknown-relation' || f.rule === 'unknown-column');
  if (!unknown.length) return sandbox;
  return sandbox.filter((f) => {
    if (f.rule !== 'postgres-error') return true;
    const m = DOES_NOT_EXIST.exec(f.message);
    if (!m) return true;
    const rule = m[1] === 'relation' ? 'unknown-relation' : 'unknown-column';
    const name = m[2].split('.').pop()!;
    const stmt = statementAt(file, f.start);
    if (!stmt) return true;
    return !unknown.some((u) => u.rule === rule && u.start >= stmt.start && u.start <= stmt.end && lastPart(file.text.slice(u.start, u.end)) === name);
  });
}
