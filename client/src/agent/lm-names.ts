// The names of DB Engineer's tools in VS Code's Language Model API. Tool names there are global
// across extensions ("a globally unique identifier", pattern ^(?!copilot_|vscode_)[\w-]+$), so ours
// carry the `dbe_` prefix: list_tables is `dbe_list_tables` (and `#dbe_list_tables` in a prompt).
// No `vscode` import: scripts/lm-manifest.ts and the tests use it too.
export const LM_TOOL_PREFIX = 'dbe_';

export function lmToolName(name: string): string { return `${LM_TOOL_PREFIX}${name}`; }

/** The agent tool's own name (list_tables) for a Language Model tool name, or undefined when not ours. */
export function agentToolName(lmName: string): string | undefined {
  return typeof lmName === 'string' && lmName.startsWith(LM_TOOL_PREFIX) ? lmName.slice(LM_TOOL_PREFIX.length) : undefined;
}
