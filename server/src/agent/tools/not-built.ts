// Placeholder answer of a tool whose implementation has not landed yet (removed once all have).
import type { ToolResult } from '../tool';

export function notBuilt(name: string): ToolResult {
  return { text: `${name} is not available in this build.`, summary: `${name}: not available`, isError: true };
}
