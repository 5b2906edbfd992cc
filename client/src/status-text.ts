// The status item's text for the sandbox's missing-index evidence phase. No vscode import, so tests
// run it in plain Node.
import type { SandboxStatus } from '../../server/src/lsp/status-protocol';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** The missing-index evidence phase, for the tooltip: running, done with counts, or why it failed. */
export function evidenceText(e: SandboxStatus['evidence']): string {
  if (!e) return '';
  const indexes = plural(e.indexes, 'index').replace('indexs', 'indexes');
  switch (e.state) {
    case 'measuring': return ` Measuring ${indexes} (generated rows, planner costs without and with each)…`;
    case 'failed': return ` Missing-index evidence: ${e.reason ?? 'failed'}.`;
    case 'done': {
      const q = e.queries ?? 0;
      const on = e.rows ? ` on ${e.rows.toLocaleString('en-US')} generated rows a table` : '';
      return ` Missing-index evidence: ${plural(q, 'query').replace('querys', 'queries')} measured for ${indexes}${on}${e.ms !== undefined ? ` in ${e.ms} ms` : ''}.`;
    }
  }
}
