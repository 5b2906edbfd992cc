// dbEngineer/chatContext: the context a chat question is asked with, built on the project that holds
// the document (see ../../chat/context.ts). With a range, only the selected lines (widened to whole
// statements); with a rule, also the statement at the range and the rule's rationale (for "Ask DB
// Engineer about <rule>"). Never fails: any error gives an empty, chip-less result.
import { buildContext, DEFAULT_BUDGET_CHARS, type ContextOptions } from '../../chat/context';
import type { SourceFile } from '../../model';
import { withoutReportedUnknowns } from '../unknown-names';
import type { Folder } from '../folder';
import { statementAt } from '../../engine/suppress';
import { RULES_BY_ID } from '../../rules';
import { CHAT_CONTEXT_REQUEST, type ChatContextParams, type ChatContextResult } from '../chat-protocol';
import type { DbeServer } from '../server';

const EMPTY: ChatContextResult = { chips: [], text: 'No context is available for this document.' };

export function register(server: DbeServer): void {
  server.connection.onRequest(CHAT_CONTEXT_REQUEST, (params: ChatContextParams) => {
    try { return chatContext(server, params); } catch (e) { server.error('chatContext', e); return EMPTY; }
  });
}

/**
 * The file's findings as the editor shows them: missing-index ones with the sandbox's measured costs,
 * and the sandbox's postgres-error findings (what unknown-column / unknown-relation already say is not
 * said twice, as in the diagnostics). Nothing when the server has no sandbox.
 */
function sandboxInput(server: DbeServer, folder: Folder, key: string, file: SourceFile): Pick<ContextOptions, 'findings' | 'sandbox'> {
  const host = server.sandbox;
  if (!host) return {};
  const findings = folder.project.analyze([file.path]).get(file.path) ?? [];
  const ev = host.applyEvidence(folder, key, file, findings);
  const errors = withoutReportedUnknowns(file, ev.findings, host.findingsFor(folder, key, file));
  return { findings: ev.findings, sandbox: { errors, measured: ev.measured } };
}

const isPos = (p: any) => !!p && Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0;

export function chatContext(server: DbeServer, params: ChatContextParams): ChatContextResult {
  if (!params || typeof params.uri !== 'string' || !params.uri) return EMPTY;
  const got = server.fileFor(params.uri);
  if (!got) return EMPTY;
  const { folder, file, key } = got;
  const budget = typeof params.budgetChars === 'number' && Number.isFinite(params.budgetChars) && params.budgetChars > 0
    ? Math.min(params.budgetChars, 1_000_000) : DEFAULT_BUDGET_CHARS;
  const r = params.range && isPos(params.range.start) && isPos(params.range.end) ? params.range : undefined;
  let lines: [number, number] | undefined;
  if (r) {
    // An end at column 0 of a later line (a whole-line selection) does not include that line.
    const endLine = r.end.line > r.start.line && r.end.character === 0 ? r.end.line - 1 : r.end.line;
    lines = [r.start.line + 1, endLine + 1];
  }
  const ctx = buildContext(folder.project, { file: file.path, lines, budgetChars: budget, label: folder.displayPath(file.path), ...sandboxInput(server, folder, key, file) });
  const out: ChatContextResult = { chips: ctx.chips, text: ctx.text, ...(ctx.dialect ? { dialect: ctx.dialect } : {}) };
  if (typeof params.rule === 'string') {
    const rule = RULES_BY_ID.get(params.rule);
    if (rule) out.rationale = rule.meta.rationale;
    if (r) {
      const st = statementAt(file, file.lines.offset(r.start));
      if (st) out.statement = file.text.slice(st.start, st.end).trim();
    }
  }
  return out;
}
