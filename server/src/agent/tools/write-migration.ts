// write_migration: new up and down migration files in the project's convention, after the user confirms.
// The files are planned by the placement the quick fixes use (engine/placement.ts): named after the
// newest migration, in its folder, with the rollback where the convention keeps one. Only new files:
// an applied migration is never edited, and a project without a migrations folder convention gets no
// edit at all (the SQL is shown instead). Text that does not parse is refused, naming the line.
import { mySqlSyntax } from '../../dialects/mysql/syntax';
import { buildFile } from '../../engine/project';
import { baseOf, dirOf, migrationFolder, placeMigration, type MigrationPlan } from '../../engine/placement';
import type { SourceFile, Statement } from '../../model';
import type { NewFile, ToolContext, ToolResult, ToolSpec } from '../tool';

type Input = { title: string; up: string; down?: string };

/** What became of the rollback. */
export type DownState = 'written' | 'missing' | 'not-kept' | 'none-needed';

export const writeMigration: ToolSpec = {
  name: 'write_migration',
  title: 'Write migration',
  description: 'Writes a new migration (and its rollback where the project keeps down files) named and placed by the project\'s migration convention, as DB Engineer\'s quick fixes do. Applied migrations are never edited. The user is asked to confirm first; when they decline or cannot be asked, the files are only proposed. Validate with validate_migration first.',
  inputSchema: { type: 'object', properties: { title: { type: 'string', description: 'A short description: becomes the file name slug (e.g. add_orders_customer_id_index).' }, up: { type: 'string', description: 'The forward SQL.' }, down: { type: 'string', description: 'The rollback SQL.' } }, required: ['title', 'up'], additionalProperties: false },
  writes: true,
  run: async (input, ctx) => oneAtATime(ctx.project, () => write(input as Input, ctx)),
};

/**
 * One write_migration at a time per project: a call plans its file names from the files the project
 * knows, so a second call planned while the first waits for its confirmation would take the same
 * number (two migrations 005_...: a chain the migration tools refuse). MCP clients call concurrently.
 */
const queues = new WeakMap<object, Promise<unknown>>();
function oneAtATime<T>(key: object, fn: () => Promise<T>): Promise<T> {
  const p = (queues.get(key) ?? Promise.resolve()).then(fn);
  queues.set(key, p.catch(() => undefined));
  return p;
}

const fence = (text: string) => '```sql\n' + text.replace(/```/g, '`\u200b``').trimEnd() + '\n```';

/** The first statement of `sql` the project's parser refuses, as "line N: message"; undefined when all parse. */
function syntaxProblem(file: SourceFile): string | undefined {
  for (const st of file.statements) {
    if (st.templated) continue;
    const err: { message: string; offset: number } | null | undefined = st.parsed.error
      ?? (file.dialect.family === 'mysql' ? mySqlSyntax(st.text, file.dialect.id === 'mariadb' ? 'mariadb' : 'mysql') : undefined);
    if (!err) continue;
    const line = file.lines.position(st.start + Math.max(0, err.offset)).line + 1;
    return `line ${line}: ${String(err.message).split('\n')[0]}`;
  }
  return undefined;
}

/** Reads `sql` as the project reads its files; a problem (one line) or the file. */
function readSql(which: 'up' | 'down', sql: string, ctx: ToolContext): { file?: SourceFile; problem?: string } {
  const project = ctx.project;
  const family = project.mainFamily();
  const file = buildFile(`(write_migration ${which})`, sql, project.config, `write_migration.${which}.sql`, undefined, family);
  const name = family === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL';
  if (file.skipped) return { problem: `the ${which} SQL is not accepted: ${file.skipped.replace(/^File not analysed: /, '')}` };
  if (file.otherDialect) return { problem: `the ${which} SQL reads as ${file.otherDialect.dialect}, and the project is ${name}` };
  if (file.dialect.family !== family) return { problem: `the ${which} SQL reads as MySQL/MariaDB, and the project is ${name}` };
  const bad = syntaxProblem(file);
  if (bad) return { problem: `the ${which} SQL does not parse (${name} parser), ${bad}` };
  if (!file.statements.some((s) => s.text.trim() && (s.kind || s.parsed.error))) return { problem: `the ${which} SQL holds no statement` };
  return { file };
}

/** The statement a placement hangs on: the last one of the newest replayed file. */
function anchorOf(files: readonly SourceFile[]): Statement | undefined {
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i];
    if (f.replayed && !f.skipped && f.statements.length) return f.statements[f.statements.length - 1];
  }
  return undefined;
}

const CONCURRENT = /\bconcurrently\b/i;

/** The migration's name as people say it: the up file without its suffix (Diesel/Prisma: the folder). */
function migrationName(upRel: string): string {
  const base = baseOf(upRel);
  if (/^(up|migration)\.sql$/i.test(base)) return baseOf(upRel.slice(0, upRel.length - base.length - 1));
  return base.replace(/(\.(postgres|mysql))?(\.autocommit)?\.up\.sql$/i, '').replace(/\.sql$/i, '');
}

/**
 * The title as the file's first comment line, unable to pass for a migration tool's directive: goose
 * reads `-- +goose Down`, sql-migrate `-- +migrate Down`, dbmate `-- migrate:down` anywhere in the
 * file, so a title saying so would move the up SQL into the rollback; Flyway fills `${...}` even in
 * comments and fails on an unknown one.
 */
export function commentSafe(title: string): string {
  return title
    .replace(/(^|\s)\+(?=\s*(goose|migrate)\b)/gi, '$1')
    .replace(/\b(migrate)\s*:/gi, '$1 ')
    .replace(/\$\{/g, '$ {');
}

/** A line goose, sql-migrate or dbmate reads as a directive (the sections, StatementBegin/End, NO TRANSACTION). */
const DIRECTIVE = /^\s*--\s*(\+goose\b|\+migrate\b|migrate:)/i;

const NO_DOWN = '-- No rollback was given for this migration. Write one here before relying on a rollback:\n-- as it stands, a rollback would mark the migration undone without undoing anything.';

const listOf = (xs: string[]) => xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

async function write(input: Input, ctx: ToolContext): Promise<ToolResult> {
  const title = String(input.title).replace(/\s+/g, ' ').trim();
  const up = String(input.up);
  const down = typeof input.down === 'string' && input.down.trim() ? input.down : undefined;
  if (!title) return { text: 'write_migration: "title" is empty.', summary: 'write_migration: bad input (empty title)', isError: true };
  if (!up.trim()) return { text: 'write_migration: "up" is empty.', summary: 'write_migration: bad input (empty up)', isError: true };

  const project = ctx.project;
  const files = project.order();
  const anchor = anchorOf(files);
  if (!anchor || !migrationFolder(files)) {
    const what = files.filter((f) => f.replayed).length <= 1 ? 'one schema file' : 'files that follow no migration naming convention';
    return {
      text: `Nothing written: this project has ${what}, so there is no migrations folder convention to follow, and write_migration does not edit the user's own files. Show the SQL to the user so they can put it where it belongs:\n\n${fence(up)}${down ? `\n\nRollback:\n\n${fence(down)}` : ''}`,
      summary: 'no migrations folder to write into (SQL shown instead)', isError: true,
    };
  }

  for (const [which, sql] of [['up', up], ['down', down]] as const) {
    const directive = sql?.split(/\r\n|\r|\n/).find((l) => DIRECTIVE.test(l));
    if (directive) {
      const problem = `the ${which} SQL holds a migration tool's directive line ("${directive.trim().slice(0, 60)}"), which would move statements between the up and the rollback; write_migration adds the directives itself`;
      return { text: `Nothing written: ${problem}. Remove the line and call write_migration again.`, summary: `refused: the ${which} SQL holds a migration directive`, isError: true };
    }
  }
  const readUp = readSql('up', up, ctx);
  if (readUp.problem) return { text: `Nothing written: ${readUp.problem}. Fix the SQL and call write_migration again.`, summary: `refused: ${readUp.problem}`, isError: true };
  if (down) {
    const readDown = readSql('down', down, ctx);
    if (readDown.problem) return { text: `Nothing written: ${readDown.problem}. Fix the SQL and call write_migration again.`, summary: `refused: ${readDown.problem}`, isError: true };
  }

  const nonTransactional = readUp.file!.statements.some((s) => CONCURRENT.test(s.text));
  const plan: MigrationPlan = { title: commentSafe(title), up, down: down ?? NO_DOWN, anchor, nonTransactional, lockTimeout: project.config.migrations.lockTimeout };
  const placement = placeMigration(files, plan, { newFile: true });
  if (placement.mode !== 'new-file' || placement.edits.some((e) => !e.create)) {
    return { text: 'Nothing written: the project\'s migrations could not be given a new file (DB Engineer never edits an existing migration).', summary: 'no new migration file could be planned', isError: true };
  }
  const folder = migrationFolder(files);
  // the tool the folder was recognised for (Prisma's folders look like Diesel's), else the naming convention
  const tool = files.find((f) => f.migration?.set !== undefined && f.migration.convention !== 'plain' && folder && (dirOf(f.path) === folder.dir || dirOf(dirOf(f.path)) === folder.dir))?.migration?.convention ?? placement.convention;
  const newFiles: NewFile[] = [];
  for (const e of placement.edits) {
    const rel = ctx.showPath(e.path);
    if (!rel || rel.split('/').includes('..') || rel.startsWith('/') || !ctx.resolvePath(rel)) {
      return { text: `Nothing written: the planned file ${rel || e.path} would lie outside the project.`, summary: 'refused: the file would lie outside the project', isError: true };
    }
    if (project.getFile(e.path)) {
      return { text: `Nothing written: ${rel} already exists, and write_migration never replaces a file.`, summary: `refused: ${rel} already exists`, isError: true };
    }
    newFiles.push({ path: rel, text: e.newText });
  }
  const upRel = ctx.showPath(placement.path);
  const upKeptDown = newFiles.length > 1 && newFiles.some((f) => f.path !== upRel && !/\.(conf|toml)$/.test(f.path));
  const inOneFile = !upKeptDown && /^-- (\+goose Up|migrate:up)/m.test(newFiles[0].text);

  // Flyway keeps undo scripts (U<version>__x.sql, a Teams feature) only where the folder already has them
  let downState: DownState;
  if (upKeptDown || inOneFile) downState = down ? 'written' : 'missing';
  else if (down && folder?.convention === 'flyway' && folder.entries.some((n) => /^U\d[^/]*__.+\.sql$/.test(n))) {
    const undo = upRel.replace(/(^|\/)V(\d[^/]*__[^/]+\.sql)$/, '$1U$2');
    if (undo !== upRel && ctx.resolvePath(undo) && !files.some((f) => ctx.showPath(f.path) === undo)) {
      newFiles.push({ path: undo, text: `-- Undo: ${title}\n-- Written by DB Engineer.\n\n${down.trim()}\n` });
      downState = 'written';
    } else downState = 'not-kept';
  } else downState = down ? 'not-kept' : 'none-needed';

  const name = migrationName(upRel);
  const shape = downState === 'written' ? 'up + down' : downState === 'missing' ? 'up; down missing' : 'up';
  const notes: string[] = [];
  if (downState === 'missing') notes.push(`No down SQL was given, and this project keeps a rollback for each migration: the rollback ${inOneFile ? 'section' : 'file'} says so instead. Write the rollback (call write_migration again with "down", or tell the user to fill it in).`);
  if (downState === 'not-kept') notes.push(`The project's migrations (${tool}) keep no rollback files, so the down SQL was not written. Here it is for the user:\n\n${fence(down!)}`);
  const listing = newFiles.map((f) => `${f.path}:\n${fence(f.text)}`).join('\n\n');
  const data = { files: newFiles, convention: tool, down: downState, name };

  if (!ctx.confirmWrite) {
    const reason = 'nobody can be asked to confirm a write here';
    return { text: `Proposed, not written: ${reason}. Show the user these files:\n\n${listing}${notes.length ? '\n\n' + notes.join('\n\n') : ''}`, summary: `proposed migration ${name} (${shape}; not written: ${reason})`, data: { ...data, written: false, reason } };
  }
  const got = await ctx.confirmWrite({ title: `${title} (new migration ${name})`, files: newFiles });
  if (!got.written) {
    const reason = got.reason || 'the user declined';
    return { text: `Proposed, not written: ${reason}. The files were:\n\n${listing}${notes.length ? '\n\n' + notes.join('\n\n') : ''}`, summary: `proposed migration ${name} (${shape}; not written: ${reason})`, data: { ...data, written: false, reason } };
  }
  const paths = got.paths?.length ? got.paths : newFiles.map((f) => f.path);
  // the session's project knows the new files, so a next migration is numbered after them
  for (const f of newFiles) {
    const key = ctx.resolvePath(f.path);
    if (key && !project.getFile(key)) project.setFile(key, f.text);
  }
  return {
    text: `Wrote ${listOf(paths)}.${notes.length ? '\n\n' + notes.join('\n\n') : ''}`,
    summary: `wrote migration ${name} (${shape})`,
    data: { ...data, written: true, paths },
  };
}

