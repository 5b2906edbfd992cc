// The sandbox as the agent's tools see it (AgentSandbox in ../agent/tool.ts): for the CLI and MCP a
// worker of its own that replays the project once and answers every call after; in the editor the
// language server's SandboxHost worker, which already holds the replayed workspace.
import type { AgentSandbox } from '../agent/tool';
import type { Config } from '../config';
import type { Project } from '../engine/project';
import type { Folder } from '../lsp/folder';
import type { SandboxHost } from '../lsp/sandbox-host';

/** A sandbox for the CLI (`dbe ask`) and `dbe mcp`: replays `project` on first use. close() ends its worker. */
export function cliAgentSandbox(_project: Project, _config: Config): AgentSandbox & { close(): Promise<void> } {
  throw new Error('the agent sandbox is not built yet');
}

/** The editor's sandbox for a folder, or why it is off. */
export function editorAgentSandbox(host: SandboxHost, folder: Folder): AgentSandbox | { off: string } {
  const off = host.offReason(folder);
  if (off) return { off };
  return { off: 'the agent sandbox is not built yet' };
}
