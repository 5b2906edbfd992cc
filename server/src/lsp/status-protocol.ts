// The dbEngineer/status notification (server to client), shared by the server and the VS Code
// client's status bar item. No imports, so the client bundles only these lines.

export const STATUS_NOTIFICATION = 'dbEngineer/status';

export interface StatusParams {
  /** 'indexing' while the workspace's SQL files are read and analysed; 'ready' afterwards. */
  state: 'indexing' | 'ready';
  /** False in Restricted Mode: only open files are analysed. */
  trusted: boolean;
  /** SQL files known to the server (open files included), and workspace folders. */
  files: number;
  folders: number;
  /** How long the last indexing took. */
  ms?: number;
}
