// The dialect of a project and of its files that differ, in words, for `dbe lint --verbose`:
//   "dialect: MySQL (12 of 14 SQL files; \"dialect\" in .dbe.json)"
//   "  db/legacy.postgres.sql is PostgreSQL: file name (postgres)"
import type { Project } from '../engine/project';
import { DIALECT_NAMES, type DialectChoice, type DialectId } from './types';

/** At most this many differing files are listed; the rest are counted. */
export const MAX_LISTED = 20;

export function describeDialects(project: Project, show: (path: string) => string): string[] {
  const files = project.order();
  if (!files.length) return [];
  const count = new Map<DialectId, number>();
  for (const f of files) count.set(f.dialect.id, (count.get(f.dialect.id) ?? 0) + 1);
  const main = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const config = project.config.dialect ? project.config.dialectSource ?? 'configuration' : undefined;
  const whyMain = config ?? mainReason(files.map((f) => f.dialect).filter((d) => d.id === main));
  const out = [`dialect: ${DIALECT_NAMES[main]} (${count.get(main)} of ${files.length} SQL file${files.length === 1 ? '' : 's'}; ${whyMain})`];
  const other = files.filter((f) => f.dialect.id !== main);
  for (const f of other.slice(0, MAX_LISTED)) out.push(`  ${show(f.path)} is ${DIALECT_NAMES[f.dialect.id]}: ${f.dialect.why}`);
  if (other.length > MAX_LISTED) out.push(`  and ${other.length - MAX_LISTED} more file${other.length - MAX_LISTED === 1 ? '' : 's'} not in ${DIALECT_NAMES[main]}`);
  return out;
}

/** Why most files are in the main dialect: the commonest kind of reason among them. */
function mainReason(choices: DialectChoice[]): string {
  const by = new Map<DialectChoice['by'], number>();
  for (const c of choices) by.set(c.by, (by.get(c.by) ?? 0) + 1);
  const [top] = [...by].sort((a, b) => b[1] - a[1]);
  switch (top[0]) {
    case 'config': return choices.find((c) => c.by === 'config')!.why;
    case 'name': return 'named by their file names';
    case 'folder': return `their folder (${choices.find((c) => c.by === 'folder')!.why.replace(/^folder /, '')})`;
    case 'signs': return 'detected from their statements (backticks, ENGINE=, AUTO_INCREMENT, DELIMITER...)';
    case 'project': return "most of the project's files are";
    default: return 'the default: no sign of another dialect';
  }
}
