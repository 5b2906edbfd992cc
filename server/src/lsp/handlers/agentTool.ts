// dbEngineer/agentTools (the list) and dbEngineer/agentTool (one call): the agent's tools run on the
// project of the folder that holds the given document (else the first workspace folder). The server
// never writes a file here: write_migration answers with the files it proposes and the client asks
// the user before creating them (see AgentToolAnswer.proposed).
import * as path from 'node:path';
import { liveAccess } from '../../agent/live-access';
import type { LiveAccess, ToolContext, WriteRequest } from '../../agent/tool';
import { LiveError, resolveDatabaseUrl } from '../../live/connect';
import { runTool, TOOLS } from '../../agent/tools';
import { editorAgentSandbox } from '../../sandbox/agent';
import { AGENT_TOOL_REQUEST, AGENT_TOOLS_REQUEST, type AgentToolAnswer, type AgentToolInfo, type AgentToolParams } from '../agent-protocol';
import type { Folder } from '../folder';
import { guard, type DbeServer } from '../server';
import { fileUriKey } from '../uri';
import { livePassword } from './live';

export function register(server: DbeServer): void {
  server.connection.onRequest(AGENT_TOOLS_REQUEST, guard(server, 'agentTools', [] as AgentToolInfo[], () => toolList()));
  server.connection.onRequest(AGENT_TOOL_REQUEST, guard(server, 'agentTool',
    { text: 'The tool failed inside DB Engineer; see the DB Engineer log.', summary: 'the tool failed', isError: true } as AgentToolAnswer,
    (p: AgentToolParams, token?: { isCancellationRequested: boolean; onCancellationRequested?: (f: () => void) => unknown }) => agentTool(server, p, token)));
}

export function toolList(): AgentToolInfo[] {
  return TOOLS.map((t) => ({ name: t.name, title: t.title, description: t.description, inputSchema: t.inputSchema, writes: t.writes, live: t.live, sandbox: t.sandbox }));
}

/** The folder the call is about: the document's, else the first workspace folder. */
function folderOf(server: DbeServer, uri: string | undefined): Folder | undefined {
  if (typeof uri === 'string' && uri) {
    const got = server.fileFor(uri);
    if (got) return got.folder;
  }
  return server.folders.find((f) => !!f.uri) ?? server.folders[0];
}

export async function agentTool(server: DbeServer, p: AgentToolParams, token?: { isCancellationRequested: boolean; onCancellationRequested?: (f: () => void) => unknown }): Promise<AgentToolAnswer> {
  if (!p || typeof p.name !== 'string') return { text: 'dbEngineer/agentTool needs {name, input}.', summary: 'bad request', isError: true };
  if (!server.trusted && TOOLS.find((t) => t.name === p.name)?.sandbox) {
    return { text: 'The workspace is in Restricted Mode: the sandbox (and so this tool) runs only in trusted workspaces.', summary: `${p.name}: off in Restricted Mode`, isError: true };
  }
  const folder = folderOf(server, p.uri);
  if (!folder) return { text: 'No workspace folder is open, so there is no project to work on.', summary: 'no project', isError: true };
  const ctl = new AbortController();
  token?.onCancellationRequested?.(() => ctl.abort());
  const ctx = editorToolContext(server, folder, ctl.signal);
  let proposed: AgentToolAnswer['proposed'];
  ctx.confirmWrite = async (req: WriteRequest) => {
    // The editor's client asks the user and creates the files; the server only says what they are.
    proposed = { title: req.title, files: req.files.map((f) => ({ ...f, uri: uriFor(folder, f.path) ?? '' })).filter((f) => f.uri) };
    return { written: false, reason: 'proposed to the editor, which asks the user' };
  };
  const r = await runTool(p.name, p.input, ctx);
  return { text: r.text, summary: r.summary, ...(r.isError ? { isError: true } : {}), ...(r.data !== undefined ? { data: r.data } : {}), ...(proposed ? { proposed } : {}) };
}

/** A project-relative path (`/`-separated) as a URI inside the folder, or undefined when it leaves it. */
function uriFor(folder: Folder, rel: string): string | undefined {
  const root = folder.fsPath;
  if (!root) return undefined;
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  if (!back || back.startsWith('..') || path.isAbsolute(back)) return undefined;
  return fileUriKey(abs);
}

export function editorToolContext(server: DbeServer, folder: Folder, signal?: AbortSignal): ToolContext {
  const sandbox = editorAgentSandbox(server.sandbox, folder);
  return {
    project: folder.project,
    root: folder.fsPath,
    resolvePath: (p: string) => {
      if (typeof p !== 'string' || !p) return undefined;
      const root = folder.fsPath;
      if (!root) return undefined;
      const abs = path.isAbsolute(p) ? p : path.resolve(root, p);
      const uri = uriFor(folder, path.relative(root, abs));
      return uri;
    },
    showPath: (key: string) => folder.displayPath(key).split(path.sep).join('/'),
    ...('off' in sandbox ? { sandboxOff: sandbox.off } : { sandbox }),
    ...editorLive(server, folder),
    signal,
  };
}


/**
 * The live database of the editor: dbEngineer.connection in a trusted workspace, with the password
 * the user stored ("DB Engineer: Set Database Password"), which goes only to a host in
 * dbEngineer.trustedDatabaseHosts (as for the catalog the language server reads: handlers/live.ts).
 */
export function editorLive(server: DbeServer, folder: Folder): { live?: LiveAccess; liveOff?: string } {
  const url = server.settings.connection;
  if (!url) return { liveOff: 'no live database is connected in the editor: set dbEngineer.connection to a postgres:// or mysql:// URL without the password, then run "DB Engineer: Set Database Password"' };
  if (!server.trusted) return { liveOff: 'the workspace is in Restricted Mode, so DB Engineer makes no database connection' };
  try {
    resolveDatabaseUrl({ setting: url, env: {} });
  } catch (e) {
    if (e instanceof LiveError) return { liveOff: e.message };
    throw e;
  }
  return {
    live: liveAccess({
      url, source: 'dbEngineer.connection', password: livePassword(server), trustedHosts: server.settings.trustedDatabaseHosts,
      statementTimeoutMs: server.settings.statementTimeoutMs, config: folder.project.config,
    }),
  };
}
