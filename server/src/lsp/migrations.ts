// The editor's view of a folder's migration plan (issue #11): per migration folder, the tool
// detected, counts, the replayed range, the plan's warnings and the files not replayed, as plain data
// (./migrations-protocol.ts) for the status tooltip and the Schema view. Cheap: the plan is computed
// with the replay order and cached by the project.
import type { FileRole, MigrationPlan, PlannedFile } from '../engine/conventions';
import { MAX_NOT_REPLAYED, type MigrationSummary } from './migrations-protocol';

/** Roles a user may wonder about: the file is in the folder but its tool does not run it for PostgreSQL. */
const NOT_REPLAYED: ReadonlySet<FileRole> = new Set<FileRole>(['ignored', 'other-dialect', 'reworked', 'install-alternative']);
const REPLAYED_UP: ReadonlySet<FileRole> = new Set<FileRole>(['up', 'repeatable']);

export interface SummaryOptions {
  /** The workspace folder's name, when the workspace has several. */
  workspace?: string;
  /** With the files not replayed (Schema view); `uriOf` gives their URI (project-relative path in). */
  details?: boolean;
  uriOf?: (rel: string) => string | undefined;
}

/** Path segments a set's folder shares with a file's folder (a schema.sql beside `versioned/` goes with that set). */
function shared(folder: string, rel: string): number {
  const a = folder ? folder.split('/') : [], b = rel.split('/').slice(0, -1);
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

export function summarizePlan(plan: MigrationPlan, opts: SummaryOptions = {}): MigrationSummary[] {
  const out: { summary: MigrationSummary; files: PlannedFile[] }[] = [];
  const ws = opts.workspace !== undefined ? { workspace: opts.workspace } : {};
  for (const s of plan.sets) {
    const ups = s.files.filter((f) => REPLAYED_UP.has(f.role));
    const short = (rel: string) => (s.folder && rel.startsWith(s.folder + '/') ? rel.slice(s.folder.length + 1) : rel);
    out.push({
      files: s.files.slice(),
      summary: {
        ...ws, folder: s.folder, convention: s.convention, detectedBy: s.detectedBy,
        up: ups.length, down: s.files.filter((f) => f.role === 'down').length, order: plan.order,
        ...(ups.length ? { first: short(ups[0].rel), last: short(ups[ups.length - 1].rel) } : {}),
        warnings: s.warnings.slice(),
      },
    });
  }
  if (!out.length) {
    const replayed = plan.files.filter((f) => f.role === 'plain' || REPLAYED_UP.has(f.role));
    if (!plan.files.length) return [];
    out.push({
      files: [],
      summary: {
        ...ws, folder: '', convention: 'plain', detectedBy: 'no migration tool recognised',
        up: replayed.length, down: plan.files.filter((f) => f.role === 'down').length, order: plan.order,
        ...(replayed.length ? { first: replayed[0].rel, last: replayed[replayed.length - 1].rel } : {}),
        warnings: [],
      },
    });
  }
  // a file the tool does not run may belong to no set (a full schema beside the migrations, a name
  // the tool skips): shown with the set whose folder is nearest
  const inSets = new Set(plan.sets.flatMap((s) => s.files.map((f) => f.rel)));
  for (const f of plan.files) {
    if (!NOT_REPLAYED.has(f.role) || inSets.has(f.rel)) continue;
    const home = out.reduce((best, o) => (shared(o.summary.folder, f.rel) > shared(best.summary.folder, f.rel) ? o : best), out[0]);
    if (!home.files.includes(f)) home.files.push(f);
  }
  return out.map(({ summary, files }) => {
    const skipped = files.filter((f) => NOT_REPLAYED.has(f.role));
    if (skipped.length) summary.notReplayedCount = skipped.length;
    if (opts.details && skipped.length) {
      summary.notReplayed = skipped.slice(0, MAX_NOT_REPLAYED).map((f) => {
        const uri = opts.uriOf?.(f.rel);
        return { path: f.rel, ...(uri ? { uri } : {}), why: f.why };
      });
    }
    return summary;
  });
}
