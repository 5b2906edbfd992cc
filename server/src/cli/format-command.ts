// `dbe format <paths> [--check] [--write]`: the editor's Format Document for whole projects, with the
// same engine (engine/format.ts) and the same .dbe.json "format" settings. Without --write nothing is
// written: the files that would change are listed (--check: exit 1 if any). --write goes through
// engine/safe-write.ts: only files read whole as UTF-8, unchanged on disk since, inside the project;
// every file of a project or none. Exit codes: 0, 1 (--check: a file would change), 2 (a file could
// not be read or written, or a usage/configuration error).
import * as path from 'node:path';
import type { FormatCliOptions } from './args';
import { collectProjects } from './collect';
import { APPLIED_MIGRATION, formatSql, LEFT_REASONS, type FormatOptions } from '../engine/format';
import { isAppliedMigration, neverEdited } from '../engine/placement';
import { linkRefusal } from './lint-project';
import { looksLikeMigration } from './collect';
import * as fs from 'node:fs';
import { Project } from '../engine/project';
import { relTo } from './collect';
import { readDiskSource } from '../engine/read-file';
import { writeAllOrNothing, type PlannedWrite } from '../engine/safe-write';
import { initParser } from '../sql/parse';
import { LineIndex } from '../text';
import type { Config } from '../config';

function realOrSelf(p: string): string { try { return fs.realpathSync(p); } catch { return path.resolve(p); } }

interface Io { out(s: string): void; err(s: string): void; cwd: string }

export function cliFormatOptions(config: Config, keywordCase?: FormatOptions['keywordCase']): FormatOptions {
  return { tabSize: config.format.tabSize ?? 2, insertSpaces: !(config.format.useTabs ?? false), keywordCase: keywordCase ?? config.format.keywordCase };
}

export async function formatCommand(o: FormatCliOptions, io: Io): Promise<number> {
  await initParser();
  const specs = collectProjects(o.paths, o.config, io.cwd);
  const show = (p: string) => path.relative(io.cwd, p) || p;
  let changed = 0;
  let files = 0;
  let statements = 0;
  let left = 0;
  let unreadable = 0;
  let written = 0;
  let applied = 0;
  for (const spec of specs) {
    for (const note of spec.notes ?? []) io.err(`dbe: ${note}\n`);
    const options = cliFormatOptions(spec.config, o.keywordCase);
    const plans: PlannedWrite[] = [];
    // the project as the linter sees it, to know its migrations that have already run (never formatted)
    const project = new Project(spec.config, (p) => relTo(spec.root, p));
    const sources = new Map<string, ReturnType<typeof readDiskSource>>();
    for (const file of spec.files) {
      const src = readDiskSource(file, spec.config.maxFileBytes, { forWrite: true });
      sources.set(file, src);
      if (!src.unreadable) project.setFile(file, src.text);
    }
    // the rest of the project (files given one by one, a sub-folder): read only, to know its migration set
    for (const file of spec.context ?? []) {
      const src = readDiskSource(file, spec.config.maxFileBytes);
      if (!src.unreadable) project.setFile(file, src.text);
    }
    const order = project.order();
    // the real files written in this run: a file and a link to it are written once
    const reals = new Set<string>();
    const given = new Set(spec.files);
    for (const file of spec.files) {
      const src = sources.get(file)!;
      const why = src.unreadable
        ?? (src.size > spec.config.maxFileBytes ? `${src.size} bytes is over the ${spec.config.maxFileBytes}-byte limit (maxFileBytes in .dbe.json)` : undefined)
        ?? (!src.utf8 ? (src.hash ? 'it is not UTF-8' : 'it was not read whole') : undefined);
      if (why) { io.err(`${show(file)}: not formatted: ${why}\n`); unreadable++; continue; }
      files++;
      const sf = project.getFile(file);
      if (sf && isAppliedMigration(order, sf)) { applied++; io.err(`${show(file)}: left as written: a migration that has already run\n`); continue; }
      if (spec.setUnknown && looksLikeMigration(file)) { applied++; io.err(`${show(file)}: left as written: its migration set cannot be read, so it may be a migration that has already run\n`); continue; }
      const never = sf && neverEdited(sf);
      if (never) { applied++; io.err(`${show(file)}: left as written: ${never}\n`); continue; }
      const link = linkRefusal(project, file, show, given);
      if (link) { applied++; io.err(`${show(file)}: left as written: ${link}\n`); continue; }
      const real = realOrSelf(file);
      if (reals.has(real)) continue;
      reals.add(real);
      const r = formatSql(src.text, { ...options, dialect: sf?.dialect.id }); // MySQL files: sql-formatter's mysql / mariadb language
      if (r.left.length) {
        const lines = new LineIndex(src.text);
        for (const l of r.left) io.err(`${show(file)}:${lines.position(l.start).line + 1}: statement left as written: ${LEFT_REASONS[l.reason]}\n`);
        left += r.left.length;
      }
      if (!r.edits.length) continue;
      changed++;
      statements += r.edits.length;
      const n = `${r.edits.length} statement${r.edits.length === 1 ? '' : 's'}`;
      if (o.write) {
        let text = '';
        let at = 0;
        for (const e of r.edits) { text += src.text.slice(at, e.start) + e.newText; at = e.end; }
        text += src.text.slice(at);
        plans.push({ path: file, text, hash: src.hash });
        io.out(`${show(file)}: ${n} formatted\n`);
      } else io.out(`${show(file)}: would format ${n}\n`);
    }
    if (o.write && plans.length) {
      const outcome = writeAllOrNothing(plans, [spec.root], show);
      if (!outcome.ok) { io.err(`dbe: nothing written in ${show(spec.root)}: ${outcome.message}\n`); return 2; }
      written += plans.length;
    }
  }
  const fileWord = (k: number) => `${k} file${k === 1 ? '' : 's'}`;
  const tail = `${applied ? `; ${fileWord(applied)} left as written: migrations that have already run or must not change` : ''}${left ? `; ${left} statement${left === 1 ? '' : 's'} left as written` : ''}${unreadable ? `; ${fileWord(unreadable)} not read` : ''}`;
  if (applied) io.err(`dbe: a migration that has already run is never formatted: ${APPLIED_MIGRATION}\n`);
  if (o.write) io.out(`${fileWord(written)} formatted (${statements} statements), ${fileWord(files - applied - written)} unchanged${tail}\n`);
  else io.out(`${fileWord(changed)} would be formatted (${statements} statements), ${fileWord(files - applied - changed)} already formatted${tail}\n`);
  if (unreadable) return 2;
  return o.check && changed > 0 ? 1 : 0;
}
