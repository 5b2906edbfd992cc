// DB Engineer's agent tools in VS Code's Language Model API (Copilot's agent mode, and any extension
// that calls vscode.lm.invokeTool): each tool declared in package.json `languageModelTools` (generated
// from the server's TOOLS) is registered here and runs in the language server through the
// dbEngineer/agentTool request. Thin: the server does the work; this file shows what is being done,
// asks before write_migration creates files, and creates them (never over an existing file).
// Feature-detected: an editor without vscode.lm.registerTool simply does not get the tools.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AGENT_TOOL_REQUEST, type AgentToolAnswer, type AgentToolParams } from '../../../server/src/lsp/agent-protocol';
import { agentToolName, lmToolName } from './lm-names';

type Input = Record<string, unknown>;
type Proposed = NonNullable<AgentToolAnswer['proposed']>;

/** What the user sees while a tool runs ("Explaining the query in the sandbox…"). */
export function invocationMessage(tool: string, input: unknown): string {
  const i = (input && typeof input === 'object' ? input : {}) as Input;
  const name = typeof i.table === 'string' && i.table ? ` ${i.table}` : '';
  switch (tool) {
    case 'list_tables': return 'Listing the project\'s tables…';
    case 'describe_table': return `Describing table${name}…`;
    case 'lint_sql': return typeof i.path === 'string' && i.path ? `Checking ${i.path} with DB Engineer's rules…` : 'Checking the SQL with DB Engineer\'s rules…';
    case 'explain_query': return 'Explaining the query in the sandbox…';
    case 'compare_index': return 'Comparing the query\'s cost with and without the index in the sandbox…';
    case 'validate_migration': return 'Validating the migration and its rollback in the sandbox…';
    case 'write_migration': return 'Writing the migration…';
    case 'slow_queries': return 'Reading the slowest statements of the live database…';
    case 'health': return 'Checking the live database\'s health…';
    default: return `Running ${tool}…`;
  }
}

/** Asks the language server to run one tool. Never rejects: a stopped server or a failure is an error answer. */
export async function callAgentTool(
  client: LanguageClient | undefined, name: string, input: unknown, uri: string | undefined, token?: vscode.CancellationToken,
): Promise<AgentToolAnswer> {
  if (!client || (typeof (client as any).isRunning === 'function' && !(client as any).isRunning())) {
    return { text: 'DB Engineer\'s language server is not running, so the tool could not run. The user can restart it with "DB Engineer: Restart Language Server".', summary: `${name}: server not running`, isError: true };
  }
  const params: AgentToolParams = { name, input: input ?? {}, ...(uri ? { uri } : {}) };
  try {
    const a = token
      ? await client.sendRequest<AgentToolAnswer>(AGENT_TOOL_REQUEST, params, token)
      : await client.sendRequest<AgentToolAnswer>(AGENT_TOOL_REQUEST, params);
    if (!a || typeof a.text !== 'string') return { text: `${name}: the language server gave no answer.`, summary: `${name}: no answer`, isError: true };
    return a;
  } catch (e) {
    if (token?.isCancellationRequested) return { text: 'Cancelled by the user.', summary: `${name}: cancelled`, isError: true };
    const msg = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
    return { text: `${name} failed in DB Engineer's language server: ${msg}`, summary: `${name} failed`, isError: true };
  }
}

/** A markdown code fence longer than any backtick run in `text`, so the SQL cannot close it. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function escapeMd(s: string): string { return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&'); }

/** The confirmation text for write_migration: each file's path and SQL. */
export function proposalMarkdown(p: Proposed): string {
  const parts = [`DB Engineer will create ${p.files.length === 1 ? 'this file' : `these ${p.files.length} files`} (no existing file is changed):`];
  for (const f of p.files) parts.push(`**${escapeMd(f.path)}**\n\n${fenced(f.text, 'sql')}`);
  return parts.join('\n\n');
}

function sameProposal(a: Proposed, b: Proposed): boolean {
  return a.files.length === b.files.length && a.files.every((f, i) => f.uri === b.files[i].uri && f.path === b.files[i].path && f.text === b.files[i].text);
}

/** Creates the proposed files with one WorkspaceEdit (never overwriting). Resolves to what the model is told. */
export async function createProposedFiles(p: Proposed): Promise<{ written: boolean; text: string }> {
  if (!p.files.length) return { written: false, text: 'write_migration proposed no files, so nothing was written.' };
  for (const f of p.files) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.parse(f.uri));
      return { written: false, text: `Not written: ${f.path} already exists, and DB Engineer never overwrites a file. Nothing was created.` };
    } catch { /* absent: as it should be */ }
  }
  const edit = new vscode.WorkspaceEdit();
  const meta = { label: `DB Engineer: ${p.title}`, needsConfirmation: false };
  for (const f of p.files) {
    // contents (VS Code 1.86+; every editor with vscode.lm has it): the file is created with its text on disk
    (edit.createFile as any)(vscode.Uri.parse(f.uri), { overwrite: false, ignoreIfExists: false, contents: new TextEncoder().encode(f.text) }, meta);
  }
  const ok = await vscode.workspace.applyEdit(edit);
  const list = p.files.map((f) => f.path).join(', ');
  return ok
    ? { written: true, text: `Written: ${list}. Tell the user which files were created; they are not applied to any database.` }
    : { written: false, text: `Not written: VS Code could not create ${list} (nothing was created).` };
}

/** The last answer of each (tool, input) our invoke gave, for toolForChat (same extension host). */
const lastAnswers = new Map<string, LoopToolResult>();
const answerKey = (tool: string, input: unknown) => `${tool}\u0000${JSON.stringify(input ?? {})}`;

/** A tool's answer as the agent loop (server/src/agent/loop.ts) takes it. */
export interface LoopToolResult { text: string; summary: string; isError?: boolean }

/**
 * One tool call of @dbe's Anthropic turn (runAgentTurn's callTool): through vscode.lm.invokeTool with
 * the chat request's token where our tool is registered, so VS Code shows the call and asks before
 * write_migration writes; else straight to the language server, where write_migration only proposes.
 * Never rejects.
 */
export async function toolForChat(name: string, input: unknown, toolInvocationToken: unknown, token: vscode.CancellationToken, o: LmToolsOptions): Promise<LoopToolResult> {
  const lm = (vscode as any).lm;
  const lmName = lmToolName(name);
  if (typeof lm?.invokeTool === 'function' && (lm.tools ?? []).some((t: { name: string }) => t.name === lmName)) {
    const key = answerKey(name, input ?? {});
    try {
      const r = await lm.invokeTool(lmName, { input: input ?? {}, toolInvocationToken }, token);
      const text = (Array.isArray(r?.content) ? r.content : []).map((p: any) => (typeof p?.value === 'string' ? p.value : '')).join('');
      // our invoke (below) left its summary and error flag here: the Language Model result has neither
      const seen = lastAnswers.get(key);
      return { text: text || `${name} gave no result.`, summary: seen?.summary ?? name, ...(seen?.isError ? { isError: true } : {}) };
    } catch (e) {
      // the user declined the confirmation, or cancelled
      const msg = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
      return { text: `${name} did not run: ${msg}`, summary: `${name}: did not run`, isError: true };
    } finally {
      lastAnswers.delete(key);
    }
  }
  const a = await callAgentTool(o.client(), name, input, o.documentUri(), token);
  if (a.proposed) {
    return { text: `Not written: this editor cannot ask the user to confirm files here. Proposed: ${a.proposed.files.map((f) => f.path).join(', ')}. Show the user the SQL to save.`, summary: `${name}: proposed only`, isError: true };
  }
  return { text: a.text, summary: a.summary, ...(a.isError ? { isError: true } : {}) };
}

export interface LmToolsOptions {
  client(): LanguageClient | undefined;
  /** The document the conversation is about (the active SQL editor's), as a URI string. */
  documentUri(): string | undefined;
}

/** Registers every tool of package.json's languageModelTools where the editor has vscode.lm.registerTool. Returns how many. */
export function registerLmTools(context: vscode.ExtensionContext, o: LmToolsOptions): number {
  const lm = (vscode as any).lm;
  if (!lm || typeof lm.registerTool !== 'function') return 0;
  const declared: { name: string }[] = (context.extension as any)?.packageJSON?.contributes?.languageModelTools ?? [];
  let n = 0;
  for (const d of declared) {
    const tool = agentToolName(d.name);
    if (!tool) continue;
    context.subscriptions.push(lm.registerTool(d.name, lmTool(tool, o)));
    n++;
  }
  return n;
}

/** One tool as VS Code's LanguageModelTool. */
export function lmTool(tool: string, o: LmToolsOptions): { prepareInvocation(opts: any, token: vscode.CancellationToken): Promise<any>; invoke(opts: any, token: vscode.CancellationToken): Promise<any> } {
  // write_migration: the proposal the user confirmed, by its input, until invoke creates it
  const confirmed = new Map<string, Proposed>();
  const answer = (input: unknown, text: string, summary: string, isError?: boolean) => {
    lastAnswers.set(answerKey(tool, input), { text, summary, ...(isError ? { isError: true } : {}) });
    if (lastAnswers.size > 50) lastAnswers.delete(lastAnswers.keys().next().value as string);
    return new (vscode as any).LanguageModelToolResult([new (vscode as any).LanguageModelTextPart(text)]);
  };
  return {
    async prepareInvocation(opts: any, token: vscode.CancellationToken) {
      const message = invocationMessage(tool, opts?.input);
      if (tool !== 'write_migration' || !vscode.workspace.isTrusted) return { invocationMessage: message };
      // The server decides names and places (the project's convention) and never writes: ask it what
      // it would create, and show exactly that to the user.
      const a = await callAgentTool(o.client(), tool, opts?.input, o.documentUri(), token);
      if (!a.proposed || a.isError) return { invocationMessage: message };
      confirmed.set(JSON.stringify(opts?.input ?? {}), a.proposed);
      return {
        invocationMessage: message,
        confirmationMessages: { title: `Create migration: ${a.proposed.title}`, message: new vscode.MarkdownString(proposalMarkdown(a.proposed)) },
      };
    },
    async invoke(opts: any, token: vscode.CancellationToken) {
      if (tool === 'write_migration' && !vscode.workspace.isTrusted) {
        return answer(opts?.input, 'Not written: the workspace is in Restricted Mode, where DB Engineer creates no files. Give the user the SQL to save themselves, or ask them to trust the workspace.', 'write_migration: off in Restricted Mode', true);
      }
      const a = await callAgentTool(o.client(), tool, opts?.input, o.documentUri(), token);
      if (tool !== 'write_migration' || !a.proposed || a.isError) return answer(opts?.input, a.text, a.summary, a.isError);
      const key = JSON.stringify(opts?.input ?? {});
      const shown = confirmed.get(key);
      confirmed.delete(key);
      const notWritten = (text: string) => answer(opts?.input, text, 'write_migration: not written', true);
      if (!shown) return notWritten(`Not written: the files were not shown to the user for confirmation. Proposed: ${a.proposed.files.map((f) => f.path).join(', ')}.`);
      if (!sameProposal(shown, a.proposed)) return notWritten(`Not written: the proposed files changed after the user confirmed them (another migration appeared?). Call ${lmToolName('write_migration')} again.`);
      if (token?.isCancellationRequested) return notWritten('Cancelled by the user; nothing was written.');
      const w = await createProposedFiles(a.proposed);
      return w.written ? answer(opts?.input, w.text, `wrote ${a.proposed.files.map((f) => f.path).join(', ')}`) : notWritten(w.text);
    },
  };
}
