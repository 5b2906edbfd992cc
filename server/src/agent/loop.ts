// One turn of the agent: the Anthropic Messages API with the tools (tool_choice auto), called again
// with each round's tool results until the model answers without asking for a tool, the user cancels,
// or the bound on tool calls is reached. Shared by `dbe ask` and the chat panel; the caller decides how
// a tool runs (the CLI calls runTool, the editor asks the language server).
import type { AskOptions, AskResult } from '../chat/client';
import type { ToolName, ToolResult } from './tool';

/** Tool calls one turn may make before the model is asked to answer with what it has. */
export const DEFAULT_MAX_TOOL_CALLS = 8;

export interface AgentStep {
  /** The tool_use id. */
  id: string;
  tool: string;
  input: unknown;
  state: 'running' | 'done' | 'error';
  /** One line for the user ("explained the query: cost 248 → 11.6"); while running, what is being done. */
  summary: string;
  /** The text the model received (done or error). */
  result?: string;
}

export interface AgentTurnOptions extends Omit<AskOptions, 'onText'> {
  /** The tools offered (default: all). */
  tools?: readonly ToolName[];
  /** Runs one tool call; never rejects (runTool's contract). */
  callTool(name: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolResult>;
  maxToolCalls?: number;
  onText(text: string): void;
  /** A step began (state 'running') or ended ('done' / 'error'): same id both times. */
  onStep?(step: AgentStep): void;
}

export interface AgentTurnResult extends AskResult {
  steps: AgentStep[];
  /** Why the turn ended early, said to the user: 'max_tokens' (the answer was cut) or 'tool_limit'. */
  cut?: 'max_tokens' | 'tool_limit';
  /** The sentence for the user when `cut` is set. */
  notice?: string;
  /** Every request body sent, in order (for tests and the closing note's captured exchange). */
  requests?: unknown[];
}

export async function runAgentTurn(_o: AgentTurnOptions): Promise<AgentTurnResult> {
  throw new Error('the agent loop is not built yet');
}
