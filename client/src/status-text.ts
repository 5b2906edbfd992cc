// The status item's text for the sandbox's missing-index evidence phase and the migration plan. No vscode import, so tests
// run it in plain Node.
import type { SandboxStatus } from '../../server/src/lsp/status-protocol';
import type { MigrationSummary } from '../../server/src/lsp/migrations-protocol';

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

/** Warnings shown in the tooltip per migration folder; the rest are in the Schema view. */
export const TOOLTIP_WARNINGS = 3;

/** Where a migration folder is, for a sentence: `db/migrations`, `api: db/migrations` in a multi-root workspace. */
export function migrationFolderName(m: MigrationSummary): string {
  const f = m.folder || '.';
  return m.workspace !== undefined ? `${m.workspace}: ${f}` : f;
}

/** The counts of a migration folder: `124 up, 123 down, 2 not replayed`. */
export function migrationCounts(m: MigrationSummary): string {
  return [`${m.up} up`, m.down ? `${m.down} down` : '', m.notReplayedCount ? `${m.notReplayedCount} not replayed` : ''].filter(Boolean).join(', ');
}

/** How the files are replayed, in words: `replayed from 001_a.up.sql to 124_z.up.sql` (+ the migrations.order override). */
export function replayedText(m: MigrationSummary): string {
  const range = m.first && m.last ? (m.first === m.last ? ` (${m.first})` : ` from ${m.first} to ${m.last}`) : '';
  const order = m.order !== 'tool' ? ` in ${m.order} order (migrations.order)` : m.convention === 'plain' ? ' in path order' : m.convention === 'sqitch' && !m.warnings.some((w) => /sqitch\.plan/.test(w)) ? ' in sqitch.plan order' : '';
  return `replayed${range}${order}`;
}

/**
 * The migrations' part of the status tooltip (issue #11): per migration folder, the tool detected and
 * how its files are replayed, then its warnings (ambiguous order...). '' when there is nothing to say.
 */
export function migrationsText(list: MigrationSummary[] | undefined): string {
  if (!list?.length) return '';
  const out: string[] = [];
  for (const m of list) {
    const where = migrationFolderName(m);
    if (m.convention === 'plain') out.push(` Migrations${m.workspace !== undefined ? ` (${m.workspace})` : ''}: no migration tool recognised; ${plural(m.up, 'file')} ${replayedText(m)}${m.down ? `, ${plural(m.down, 'rollback')} judged after ${m.down === 1 ? 'its' : 'their'} up` : ''}.`);
    else out.push(` Migrations: ${where} is ${m.convention} (${migrationCounts(m)}), ${replayedText(m)}.`);
    for (const w of m.warnings.slice(0, TOOLTIP_WARNINGS)) out.push(` ⚠ ${where}: ${w.replace(/\.?$/, '.')}`);
    if (m.warnings.length > TOOLTIP_WARNINGS) out.push(` ⚠ ${where}: ${m.warnings.length - TOOLTIP_WARNINGS} more warning${m.warnings.length - TOOLTIP_WARNINGS === 1 ? '' : 's'} in the Schema view.`);
  }
  return out.join('');
}
