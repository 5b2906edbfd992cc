// The dbEngineer/agentTools and dbEngineer/agentTool requests (client to server): the agent's tools
// (../agent/tools) run by the language server on the project of a document or workspace folder, for
// the chat panel and VS Code's Language Model tools. Type-only, so the client bundles no server code.

export const AGENT_TOOLS_REQUEST = 'dbEngineer/agentTools';
export const AGENT_TOOL_REQUEST = 'dbEngineer/agentTool';

export interface AgentToolInfo {
  name: string; title: string; description: string; inputSchema: unknown;
  writes?: boolean; live?: boolean; sandbox?: boolean;
}

export interface AgentToolParams {
  name: string;
  input: unknown;
  /** The document the conversation is about: its folder's project is used. Default: the first folder. */
  uri?: string;
}

export interface AgentToolAnswer {
  text: string;
  summary: string;
  isError?: boolean;
  data?: unknown;
  /**
   * write_migration in the editor: the files to create (workspace URIs) once the user confirms. The
   * server never writes; the client asks, creates the files, then tells the model what happened.
   */
  proposed?: { title: string; files: { uri: string; path: string; text: string }[] };
}
