// Builds the server object over a connection and registers one handler module per LSP area.
import type { Connection } from 'vscode-languageserver';
import { DbeServer } from './server';
import { Diagnostics, register as registerDiagnostics } from './handlers/diagnostics';
import * as initialize from './handlers/initialize';
import * as configuration from './handlers/configuration';
import * as documents from './handlers/documents';
import * as workspace from './handlers/workspace';
import * as codeAction from './handlers/codeAction';
import * as hover from './handlers/hover';
import * as completion from './handlers/completion';
import * as definition from './handlers/definition';
import * as references from './handlers/references';
import * as rename from './handlers/rename';
import * as documentSymbol from './handlers/documentSymbol';
import * as folding from './handlers/folding';
import * as agentTool from './handlers/agentTool';
import * as chatContext from './handlers/chatContext';
import * as schemaTree from './handlers/schemaTree';
import * as live from './handlers/live';
import * as save from './handlers/save';
import * as codeLens from './handlers/codeLens';
import * as explain from './handlers/explain';
import * as formatting from './handlers/formatting';
import * as dialect from './handlers/dialect';
import { SandboxHost } from './sandbox-host';
import { onMySqlVerdicts, setMySqlSyntaxMode } from '../dialects/mysql/syntax';

export function startServer(connection: Connection): DbeServer {
  const server = new DbeServer(connection);
  server.diagnostics = new Diagnostics(server);
  server.sandbox = new SandboxHost(server);
  // MySQL / MariaDB syntax: checked in a worker thread, never on this one; re-publish when verdicts land
  setMySqlSyntaxMode('background');
  server.stopMySqlVerdicts = onMySqlVerdicts(() => server.diagnostics.mySqlVerdictsArrived());
  initialize.register(server);
  configuration.register(server);
  workspace.register(server);
  registerDiagnostics(server);
  codeAction.register(server);
  hover.register(server);
  completion.register(server);
  definition.register(server);
  references.register(server);
  rename.register(server);
  documentSymbol.register(server);
  folding.register(server);
  agentTool.register(server);
  chatContext.register(server);
  schemaTree.register(server);
  live.register(server);
  save.register(server);
  codeLens.register(server);
  explain.register(server);
  formatting.register(server);
  dialect.register(server);
  documents.register(server); // TextDocuments.listen: after the other handlers
  connection.listen();
  return server;
}
