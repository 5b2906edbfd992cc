// vscode-API suites: diagnostics, code actions, hover and commands, through the real extension host.
// `run()` is the contract of @vscode/test-electron's extensionTestsPath (npm run test:vscode, on a
// machine that can download VS Code); here the same bundle runs inside the VS Code server build's
// extension host through test/vscode/runner (a tiny extension), driven by test/e2e/vscode-api.e2e.test.ts.
// Expects the workspace to be a copy of examples/shop.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';

type Case = { name: string; fn: () => Promise<void> };
const cases: Case[] = [];
const it = (name: string, fn: () => Promise<void>) => cases.push({ name, fn });

/** Thrown by a case that cannot run in this editor build; reported as skipped, with the reason. */
class Skip extends Error {}

function fileIn(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'dbe');
const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

it('diagnostics: known statements get their rule, range and severity', async () => {
  const uri = fileIn('queries/reports.sql');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const diags = await until('dbe diagnostics', () => { const d = ours(uri); return d.some((x) => codeOf(x) === 'equals-null') ? d : undefined; });
  const eq = diags.find((d) => codeOf(d) === 'equals-null')!;
  assert.equal(eq.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(eq.range.start.line, 7);
  assert.ok(diags.some((d) => codeOf(d) === 'select-star' && d.severity === vscode.DiagnosticSeverity.Warning));
  // judged against the migrations folder: users' primary key is known
  assert.match(diags.find((d) => codeOf(d) === 'limit-without-order-by')!.message, /primary key id/);
});

it('code actions: the fix, the two ignores, the docs and "Ask DB Engineer"; applying the fix edits the text and undo restores it', async () => {
  const uri = fileIn('queries/reports.sql');
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const eq = await until('equals-null', () => ours(uri).find((d) => codeOf(d) === 'equals-null'));
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, eq.range, vscode.CodeActionKind.QuickFix.value);
  const titles = actions.map((a) => a.title);
  for (const t of ['Use IS NULL', 'Ignore equals-null for this statement', 'Ignore equals-null in this file', 'Show documentation for equals-null', 'Ask DB Engineer about equals-null']) {
    assert.ok(titles.includes(t), `${t} in ${JSON.stringify(titles)}`);
  }
  const fix = actions.find((a) => a.title === 'Use IS NULL')!;
  const before = editor.document.getText();
  assert.ok(await vscode.workspace.applyEdit(fix.edit!));
  assert.match(editor.document.lineAt(7).text, /shipped_at IS NULL;/);
  await vscode.commands.executeCommand('undo');
  assert.equal(editor.document.getText(), before);
});

it('hover: a table name shows its columns and the migration that created it', async () => {
  const uri = fileIn('queries/reports.sql');
  const doc = await vscode.workspace.openTextDocument(uri);
  const line = doc.lineAt(11).text;
  const at = new vscode.Position(11, line.indexOf('users') + 2);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
  const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
  assert.match(text, /email/);
  assert.match(text, /001_create_users\.sql/);
});

it('commands: every command the manifest contributes is registered', async () => {
  const ext = vscode.extensions.getExtension('db-engineer.db-engineer');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const all = new Set(await vscode.commands.getCommands(true));
  const contributed: { command: string }[] = ext.packageJSON.contributes.commands;
  const missing = contributed.map((c) => c.command).filter((c) => !all.has(c));
  assert.deepEqual(missing, []);
});

// VS Code's Language Model API (Copilot's agent mode): our tools, declared in package.json
// languageModelTools and registered on activation, are listed and can be invoked by any extension.
const lmApi = () => (vscode as any).lm as { tools?: readonly { name: string; tags: readonly string[] }[]; invokeTool?: (...a: any[]) => Thenable<any> } | undefined;

it('language model tools: vscode.lm.tools lists every dbe_ tool of the manifest', async () => {
  const lm = lmApi();
  if (!lm?.tools) throw new Skip(`this VS Code (${vscode.version}) has no vscode.lm.tools`);
  const ext = vscode.extensions.getExtension('db-engineer.db-engineer')!;
  const declared: string[] = ext.packageJSON.contributes.languageModelTools.map((t: { name: string }) => t.name);
  const listed = await until('our tools in vscode.lm.tools', () => { const n = lm.tools!.filter((t) => t.name.startsWith('dbe_')).map((t) => t.name); return n.length >= declared.length ? n : undefined; });
  assert.deepEqual([...listed].sort(), [...declared].sort());
  assert.ok(lm.tools.find((t) => t.name === 'dbe_list_tables')!.tags.includes('dbe'));
});

it('language model tools: invokeTool dbe_list_tables on examples/shop names orders', async () => {
  const lm = lmApi();
  if (!lm?.invokeTool) throw new Skip(`this VS Code (${vscode.version}) has no vscode.lm.invokeTool`);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fileIn('queries/reports.sql')));
  const r = await lm.invokeTool('dbe_list_tables', { input: {}, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
  const text = (r.content as { value?: unknown }[]).map((p) => (typeof p.value === 'string' ? p.value : '')).join('');
  assert.match(text, /\borders\b/);
});

export interface SuiteResult { passed: string[]; failed: { name: string; error: string }[]; skipped?: { name: string; reason: string }[] }

/** Runs every case; resolves with the results, and rejects when one failed (test-electron's contract). */
export async function runCases(): Promise<SuiteResult> {
  const result: SuiteResult = { passed: [], failed: [], skipped: [] };
  for (const c of cases) {
    try { await c.fn(); result.passed.push(c.name); } catch (e) {
      if (e instanceof Skip) { result.skipped!.push({ name: c.name, reason: e.message }); continue; }
      result.failed.push({ name: c.name, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  }
  return result;
}

export async function run(): Promise<void> {
  const r = await runCases();
  for (const p of r.passed) console.log(`ok - ${p}`);
  for (const k of r.skipped ?? []) console.log(`ok - ${k.name} # SKIP ${k.reason}`);
  for (const f of r.failed) console.log(`not ok - ${f.name}\n${f.error}`);
  if (r.failed.length) throw new Error(`${r.failed.length} of ${r.passed.length + r.failed.length} vscode-API tests failed`);
}
