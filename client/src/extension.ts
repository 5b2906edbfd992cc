// The VS Code side of DB Engineer: starts the language server (dist/server.js) over IPC, hosts the chat
// panel and wires a few commands. All analysis happens in the server.
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { EditorChatHost, SECRET_KEY } from './chat/host';
import { registerParticipant } from './chat/participant';
import { registerLmTools } from './agent/lm-tools';
import { CHAT_VIEW_ID, ChatViewProvider } from './chat/view';
import { DIALECT_REQUEST, STATUS_NOTIFICATION, type DialectResult, type StatusParams } from '../../server/src/lsp/status-protocol';
import { openExample } from './example';
import { SHOW_STATUS_COMMAND, StatusItem } from './status';
import { MANAGE_TRUST_COMMAND, TRUST_OFFER } from './trust';
import { registerSchemaView, type SchemaTreeProvider } from './schema/tree';
import { registerLive, sendDatabasePassword } from './live';
import { ExplainPanel } from './explain/panel';
import { EXPLAIN_COMMAND } from '../../server/src/lsp/explain-protocol';

const RESTRICTED_NOTICE_KEY = 'dbEngineer.restrictedNoticeShown';
const WALKTHROUGH_SHOWN_KEY = 'dbEngineer.walkthroughShown';
export const WALKTHROUGH_ID = 'dbEngineer.gettingStarted';
let client: LanguageClient | undefined;
let watchers: vscode.FileSystemWatcher[] = [];
let status: StatusItem | undefined;
let restarting = false;
let schemaView: SchemaTreeProvider | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = new StatusItem();
  context.subscriptions.push(
    status,
    vscode.commands.registerCommand(SHOW_STATUS_COMMAND, () => (status?.stopped || !client ? restart(context) : client.outputChannel.show(true))),
    vscode.commands.registerCommand('dbEngineer.openExample', () => openExample(context)),
    vscode.commands.registerCommand('dbEngineer.openMySqlExample', () => openExample(context, 'shop-mysql')),
    vscode.commands.registerCommand('dbEngineer.openRuleDocs', (rule?: unknown) => openRuleDocs(context, rule)),
    vscode.commands.registerCommand('dbEngineer.restartServer', () => restart(context)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart(context)),
    vscode.window.onDidChangeActiveTextEditor(() => { void refreshDialect(); }),
    { dispose: () => { for (const w of watchers) w.dispose(); } },
  );
  registerChat(context);
  const explain = new ExplainPanel(context, () => client);
  context.subscriptions.push(explain, vscode.commands.registerCommand(EXPLAIN_COMMAND, (uri?: unknown, line?: unknown) => explain.explain(uri, line)));
  schemaView = registerSchemaView(context, () => client);
  registerLive(context, () => client);
  openWalkthroughOnce(context);
  if (!vscode.workspace.isTrusted && !context.workspaceState.get(RESTRICTED_NOTICE_KEY)) {
    void context.workspaceState.update(RESTRICTED_NOTICE_KEY, true);
    // once per workspace; afterwards the status bar item, the Schema view and the chat make the same offer
    void vscode.window.showInformationMessage(
      `DB Engineer is in Restricted Mode: only the SQL files you open are analysed. ${TRUST_OFFER}.`, 'Manage Workspace Trust',
    ).then((pick) => (pick ? vscode.commands.executeCommand(MANAGE_TRUST_COMMAND) : undefined));
  }
  await start(context);
}

/**
 * The walkthrough ("Get started with DB Engineer") opens by itself once, on the first activation after
 * installing (VS Code does so only for extensions installed from its UI); DBE_OPEN_WALKTHROUGH=1 in
 * the environment (npm start sets it) opens it on every start.
 */
export function openWalkthroughOnce(context: vscode.ExtensionContext): void {
  const again = process.env.DBE_OPEN_WALKTHROUGH === '1';
  if (!again && context.globalState.get(WALKTHROUGH_SHOWN_KEY)) return;
  void context.globalState.update(WALKTHROUGH_SHOWN_KEY, true);
  void Promise.resolve(vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false))
    .catch(() => { /* an editor without walkthroughs: nothing to open */ });
}

/**
 * "Show documentation for <rule>": the rule's page shipped in the extension (docs/rules/<id>.md),
 * in VS Code's Markdown preview; no web page, no network.
 */
export async function openRuleDocs(context: vscode.ExtensionContext, rule?: unknown): Promise<void> {
  const id = typeof rule === 'string' && /^[a-z0-9-]+$/.test(rule) ? rule : undefined;
  const page = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${id ?? 'README'}.md`);
  try {
    await vscode.workspace.fs.stat(page);
  } catch {
    void vscode.window.showErrorMessage(id
      ? `DB Engineer: this installation has no documentation page for ${id} (docs/rules/${id}.md); \`dbe rules ${id}\` prints it where the CLI is installed.`
      : 'DB Engineer: this command needs a rule id; use "Show documentation" on a finding.');
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', page);
}

function registerChat(context: vscode.ExtensionContext): void {
  const host = new EditorChatHost(context, () => client);
  const panel = new ChatViewProvider(context, host);
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, panel, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('dbEngineer.setApiKey', async () => {
      const key = await vscode.window.showInputBox({
        title: 'Anthropic API key for DB Engineer',
        prompt: 'Stored in VS Code\'s secret storage, never in settings. Leave empty to remove the stored key.',
        password: true, ignoreFocusOut: true, placeHolder: 'sk-ant-...',
        validateInput: (v) => (v && /\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined),
      });
      if (key === undefined) return;
      if (key.trim()) {
        await context.secrets.store(SECRET_KEY, key.trim());
        void vscode.window.showInformationMessage('DB Engineer: API key saved.');
      } else {
        await context.secrets.delete(SECRET_KEY);
        void vscode.window.showInformationMessage(process.env.ANTHROPIC_API_KEY ? 'DB Engineer: stored key removed; ANTHROPIC_API_KEY will be used.' : 'DB Engineer: stored key removed.');
      }
    }),
    vscode.commands.registerCommand('dbEngineer.openChat', () => panel.reveal()),
    vscode.commands.registerCommand('dbEngineer.askAboutSelection', async () => {
      await panel.reveal();
      await panel.session.refreshContext();
    }),
    vscode.commands.registerCommand('dbEngineer.askAboutFinding', async (f?: { uri?: unknown; range?: any; rule?: unknown; message?: unknown }) => {
      await panel.reveal();
      if (f && typeof f.uri === 'string' && typeof f.rule === 'string') {
        await panel.session.askAbout({ uri: f.uri, range: f.range, rule: f.rule, message: String(f.message ?? '') });
      }
    }),
  );
  const tools = { client: () => client, documentUri: () => host.editor()?.document.uri.toString() };
  registerParticipant(context, host, tools);
  registerLmTools(context, tools);
}

/** Asks the server for the active SQL file's dialect (and why) for the status bar item. */
async function refreshDialect(c: LanguageClient | undefined = client): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!c || !status || !doc || doc.languageId !== 'sql') { status?.setDialect(null); return; }
  try {
    const d = await c.sendRequest<DialectResult | null>(DIALECT_REQUEST, { uri: doc.uri.toString() });
    if (client === c && vscode.window.activeTextEditor?.document === doc) status.setDialect(d);
  } catch { /* the server is restarting: the next status asks again */ }
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  for (const w of watchers) w.dispose();
  watchers = [
    vscode.workspace.createFileSystemWatcher('**/*.sql'),
    vscode.workspace.createFileSystemWatcher('**/.dbe.json'),
    // sqitch's deploy order (issue #11)
    vscode.workspace.createFileSystemWatcher('**/sqitch.plan'),
  ];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'sql' }, { scheme: 'untitled', language: 'sql' }],
    // diagnostics: 'push': the server publishes every workspace file itself; the pull model stays for
    // other clients (docs/decisions/0025-workspace-diagnostics.md)
    initializationOptions: { trusted: vscode.workspace.isTrusted, clientWatchesFiles: true, diagnostics: 'push' },
    synchronize: { configurationSection: 'dbEngineer', fileEvents: watchers },
  };
  const c = new LanguageClient('dbEngineer', 'DB Engineer', serverOptions, clientOptions);
  client = c;
  status?.starting();
  c.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => { if (client === c) { status?.update(p); void refreshDialect(c); } });
  c.onDidChangeState((e) => {
    if (e.newState === State.Stopped && client === c && !restarting) status?.failed('The DB Engineer language server stopped.');
  });
  try {
    await c.start();
    await sendDatabasePassword(context, c);
  } catch (e) {
    status?.failed(`The language server did not start (${e instanceof Error ? e.message : String(e)}).`);
    void vscode.window.showErrorMessage(`DB Engineer: the language server did not start (${e instanceof Error ? e.message : String(e)}). Run "DB Engineer: Restart Language Server" to try again.`);
  }
  schemaView?.refresh();
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  const old = client;
  client = undefined;
  restarting = true;
  try {
    if (old) { try { await old.stop(); } catch { /* already stopped */ } }
  } finally {
    restarting = false;
  }
  await start(context);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
