// initialize / initialized / shutdown: capabilities, trust, workspace folders, the first scan.
import {
  CodeActionKind, DidChangeWatchedFilesNotification, TextDocumentSyncKind,
  type InitializeParams, type InitializeResult,
} from 'vscode-languageserver';
import { initParser } from '../../sql/parse';
import { guardVoid, type DbeServer } from '../server';
import { refreshSettings } from './configuration';
import { COMPLETION_OPTIONS, SIGNATURE_HELP_OPTIONS } from './completion';
import { rebuild, registerFolderChanges, watchedFiles } from './workspace';
import { stopMySqlSyntaxWorker } from '../../dialects/mysql/syntax';

export interface InitializationOptions {
  /** Workspace trust (VS Code): false analyses open documents only and reads no configuration file. */
  trusted?: boolean;
  /** The client already watches **\/*.sql and **\/.dbe.json (VS Code client): no server-side registration. */
  clientWatchesFiles?: boolean;
  /**
   * "push": publishDiagnostics even when the client supports the pull model (the VS Code client asks
   * for it: see docs/decisions/0025-workspace-diagnostics.md). Otherwise a client that supports pull gets it.
   */
  diagnostics?: 'push' | 'pull';
}

export const SERVER_VERSION = '0.1.0';

export function register(server: DbeServer): void {
  const c = server.connection;
  let folderUris: string[] = [];
  let options: InitializationOptions = {};

  c.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    try {
      options = (params.initializationOptions ?? {}) as InitializationOptions;
      server.trusted = options.trusted !== false;
      const caps = params.capabilities;
      server.support = {
        configuration: !!caps.workspace?.configuration,
        workspaceFolders: !!caps.workspace?.workspaceFolders,
        watchedFilesDynamic: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
        // fixes that write a new migration file need CreateFile operations in workspace edits
        createFiles: !!caps.workspace?.workspaceEdit?.documentChanges && !!caps.workspace.workspaceEdit.resourceOperations?.includes('create'),
        codeLensRefresh: !!caps.workspace?.codeLens?.refreshSupport,
        documentChanges: !!caps.workspace?.workspaceEdit?.documentChanges,
        // rename shows breaking-rename's warning in the preview (needsConfirmation)
        changeAnnotations: !!caps.workspace?.workspaceEdit?.documentChanges && !!caps.workspace.workspaceEdit.changeAnnotationSupport,
        pullDiagnostics: !!caps.textDocument?.diagnostic && options.diagnostics !== 'push',
        diagnosticRefresh: !!caps.workspace?.diagnostics?.refreshSupport,
      };
      if (params.workspaceFolders?.length) folderUris = params.workspaceFolders.map((f) => server.key(f.uri));
      else if (params.rootUri) folderUris = [server.key(params.rootUri)];
      await initParser();
    } catch (e) {
      server.error('initialize', e);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        completionProvider: COMPLETION_OPTIONS,
        signatureHelpProvider: SIGNATURE_HELP_OPTIONS,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: { label: 'DB Engineer' },
        foldingRangeProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        // a finding in one file depends on the others (the replayed schema); every file of the workspace has diagnostics
        ...(server.support.pullDiagnostics ? { diagnosticProvider: { identifier: 'dbe', interFileDependencies: true, workspaceDiagnostics: true } } : {}),
      },
      serverInfo: { name: 'dbe-language-server', version: SERVER_VERSION },
    };
  });

  c.onInitialized(guardVoid(server, 'initialized', async () => {
    const started = performance.now();
    try {
      await refreshSettings(server);
      if (server.trusted && server.support.watchedFilesDynamic && !options.clientWatchesFiles) {
        await c.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.sql' }, { globPattern: '**/.dbe.json' }, { globPattern: '**/sqitch.plan' }] })
          .catch((e) => server.error('register watchers', e));
      }
      registerFolderChanges(server);
      server.status('indexing');
      // let the 'indexing' notification leave before the (synchronous) scan starts
      await new Promise((r) => setImmediate(r));
      await rebuild(server, folderUris);
    } finally {
      server.ready = true;
      for (const p of server.pendingWatched.splice(0)) {
        try { watchedFiles(server, p); } catch (e) { server.error('didChangeWatchedFiles', e); }
      }
      server.diagnostics.publishAll();
      server.status('ready', performance.now() - started);
      // The sandbox starts lazily: after the first full analysis, and only once a SQL document of a
      // trusted folder is open (now, or at its didOpen; see ../sandbox-host.ts).
      server.sandbox.start();
    }
  }));

  c.onShutdown(() => {
    server.shuttingDown = true;
    server.diagnostics.dispose();
    server.sandbox.dispose();
    server.stopMySqlVerdicts?.();
    stopMySqlSyntaxWorker();
  });
}
