// Fast re-analysis while typing. After a full analysis of a file (the baseline), an edit that only
// touches a few query statements (no schema change, same statement count, no suppression comments
// nearby) is judged by re-running the statement rules on just those statements: findings of the
// other statements are taken from the baseline, shifted past the edit. Replay, syntax errors and
// schema rules still run in full. A full analysis follows once typing pauses, and replaces the
// result if anything differs, so the published diagnostics always converge to the exact ones.
import type { Project } from '../engine/project';
import { statementAt } from '../engine/suppress';
import type { Config } from '../config';
import type { Finding, Fix, SourceFile, Statement } from '../model';
import { RULES_BY_ID } from '../rules';
import { ddlSignature } from './server';

export interface Baseline {
  file: SourceFile;
  /** The full analysis' findings for the file. */
  findings: Finding[];
  config: Config;
  /** The project's schema epoch when the baseline was taken (other files' DDL unchanged since). */
  epoch: number;
}

/** Statement kinds whose findings do not depend on other statements of the file, nor change the schema. */
const LOCAL_KINDS = new Set(['SelectStmt', 'UpdateStmt', 'ExplainStmt', 'VariableSetStmt', 'VariableShowStmt']);
const MAX_CHANGED = 3;

const isLocal = (s: Statement) => s.kind === undefined || LOCAL_KINDS.has(s.kind);
/** Rules reporting from the schema phase: recomputed in full on every fast pass. */
const isSchemaFinding = (rule: string) => rule === 'syntax-error' || rule === 'file-too-large' || !!RULES_BY_ID.get(rule)?.onSchema;

export interface Plan { changed: Set<number>; start: number; oldEnd: number; newEnd: number }

/** The statements to re-judge, or undefined when the edit needs a full analysis. */
export function plan(base: Baseline | undefined, file: SourceFile, project: Project, epoch: number): Plan | undefined {
  if (!base || base.config !== project.config || base.epoch !== epoch) return undefined;
  const a = base.file, b = file;
  if (a === b || a.skipped || b.skipped || a.isDown !== b.isDown || a.replayed !== b.replayed || a.statements.length !== b.statements.length) return undefined;
  if (ddlSignature(a) !== ddlSignature(b)) return undefined;
  const changed = new Set<number>();
  for (let i = 0; i < a.statements.length; i++) {
    const x = a.statements[i], y = b.statements[i];
    if (x.text === y.text && x.templated === y.templated) continue;
    if (!isLocal(x) || !isLocal(y) || changed.size >= MAX_CHANGED) return undefined;
    changed.add(i);
  }
  if (!changed.size) return undefined;
  // the changed region: common prefix and suffix of the two texts
  const at = a.text, bt = b.text;
  let start = 0;
  const minLen = Math.min(at.length, bt.length);
  while (start < minLen && at.charCodeAt(start) === bt.charCodeAt(start)) start++;
  let ea = at.length, eb = bt.length;
  while (ea > start && eb > start && at.charCodeAt(ea - 1) === bt.charCodeAt(eb - 1)) { ea--; eb--; }
  // suppression comments on the edited lines change what is reported: full analysis
  if (linesAround(at, start, ea).includes('dbe-ignore') || linesAround(bt, start, eb).includes('dbe-ignore')) return undefined;
  return { changed, start, oldEnd: ea, newEnd: eb };
}

function linesAround(text: string, start: number, end: number): string {
  const s = text.lastIndexOf('\n', start - 1) + 1;
  let e = text.indexOf('\n', end);
  if (e < 0) e = text.length;
  return text.slice(s, e);
}

/**
 * Findings of the new file: `fresh` (from analyze with only the changed statements) plus the
 * baseline's statement findings of unchanged statements, moved past the edit. Undefined when a kept
 * finding or fix touches the edited region (then a full analysis is needed).
 */
export function merge(base: Baseline, p: Plan, fresh: Finding[]): Finding[] | undefined {
  const delta = p.newEnd - p.oldEnd;
  const overlaps = (s: number, e: number) => s < p.oldEnd && e > p.start || (s === e && s > p.start && s < p.oldEnd);
  const move = (o: number) => (o >= p.oldEnd ? o + delta : o);
  const path = base.file.path;
  const out: Finding[] = [];
  for (const f of base.findings) {
    if (isSchemaFinding(f.rule)) continue;
    const st = statementAt(base.file, f.start);
    if (!st) return undefined;
    if (p.changed.has(st.index)) continue;
    if (f.path !== path || overlaps(f.start, f.end)) return undefined;
    let fixes: Fix[] | undefined;
    if (f.fixes) {
      fixes = [];
      for (const fx of f.fixes) {
        const edits = [];
        for (const e of fx.edits) {
          if (e.path !== path) { edits.push(e); continue; }
          if (overlaps(e.start, e.end) || (e.start === e.end && e.start === p.start)) return undefined;
          edits.push({ ...e, start: move(e.start), end: move(e.end) });
        }
        fixes.push({ ...fx, edits });
      }
    }
    out.push({ ...f, start: move(f.start), end: move(f.end), fixes });
  }
  out.push(...fresh);
  out.sort((a, b) => a.start - b.start || a.rule.localeCompare(b.rule));
  return out;
}
