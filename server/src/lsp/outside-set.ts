// A file opened from outside every workspace folder is judged by the migration set of its own folder
// on disk (read only, never written): an applied migration opened from elsewhere is not formatted,
// and no fix edits it. When that set cannot be read, a file that looks like a migration is treated as
// applied. Decision 0024, "Applied migrations, whatever the entry point".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listSqlFiles, looksLikeMigration, setFolderOf } from '../cli/collect';
import { defaultConfig } from '../config';
import { isAppliedMigration, neverEdited } from '../engine/placement';
import { Project } from '../engine/project';
import { readDiskSource } from '../engine/read-file';
import type { Folder } from './folder';
import { fsPathOf } from './uri';

/** Per file path: the folder listing it was judged with (its names and modification times) and the answer. */
const cache = new Map<string, { stamp: string; why: string | undefined }>();

/**
 * Why `key` (a file URI) may not be edited (formatted, fixed) when it lies outside `folder` (the
 * workspace folder the server put it in), or undefined: inside the folder the folder's own project
 * judges it, and a file that is not on disk (untitled) has no migration set.
 */
export function outsideRefusal(folder: Folder, key: string): string | undefined {
  if (folder.contains(key)) return undefined;
  const file = fsPathOf(key);
  if (!file) return undefined;
  const dir = setFolderOf(file);
  let files: string[];
  try { files = listSqlFiles(dir, []); } catch {
    return looksLikeMigration(file) ? 'its migration set cannot be read, so it may be a migration that has already run' : undefined;
  }
  if (!files.includes(file)) files.push(file);
  let stamp = '';
  for (const f of files) { try { stamp += `${f}\0${fs.statSync(f).mtimeMs}\n`; } catch { stamp += `${f}\n`; } }
  const hit = cache.get(file);
  if (hit?.stamp === stamp) return hit.why;
  const config = defaultConfig();
  const project = new Project(config, (p) => path.relative(dir, p).split(path.sep).join('/'));
  for (const f of files) {
    const src = readDiskSource(f, config.maxFileBytes);
    project.setFile(f, src.text, { size: src.size, unreadable: src.unreadable });
  }
  const sf = project.getFile(file);
  let why: string | undefined;
  if (sf && isAppliedMigration(project.order(), sf)) why = 'a migration that has already run';
  else if (sf) why = neverEdited(sf);
  cache.set(file, { stamp, why });
  return why;
}
