// Messages between the plan panel's webview (./main.ts) and the extension host (./panel.ts).
import type { ExplainResult } from '../../../server/src/lsp/explain-protocol';

export type ToExplainWebview =
  /** A plan is being asked for (the sandbox may be replaying first). */
  | { type: 'loading'; path: string; line: number }
  /** The answer: a plan, or a message (the query rejected, the sandbox off, ...). */
  | { type: 'result'; result: ExplainResult };

export type FromExplainWebview =
  | { type: 'ready' }
  /** The user clicked the query's location: reveal it in the editor. */
  | { type: 'reveal' };
