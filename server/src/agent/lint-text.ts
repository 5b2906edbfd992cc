// SQL text judged in a project's context without changing the project: the text becomes a file of a
// copy of the project (Project.fork), either a new migration appended last in migration order (named
// the way a quick fix would name it, so the migration-safety rules see it as the tool would run it)
// or a query file outside the migrations, and only that file is analysed. The caller's project (the
// editor's live one) is never touched.
import type { Project } from '../engine/project';
import { dirOf, migrationFolder, placeMigration } from '../engine/placement';
import type { Finding, SourceFile } from '../model';
import type { DialectFamily } from '../dialects/types';
import { splitStatements } from '../sql/split';

export interface LintTextOptions {
  /** The text is a new migration appended to the chain (migration rules apply); false: a query file. */
  asMigration?: boolean;
  /** Read the text as this dialect family; default: the project's main family. */
  family?: DialectFamily;
  /** With asMigration: the rollback, judged as the candidate's down file (or down section). */
  down?: string;
}

export interface TextPosition { line: number; col: number }

export interface LintTextResult {
  /** Findings on the text, sorted by position; offsets are into `file.text`. */
  findings: Finding[];
  /** The candidate as the copy holds it (its text may start with a tool's section marker). */
  file: SourceFile;
  /** Findings on the rollback (when `down` was given), offsets into `downFile.text`. */
  downFindings?: Finding[];
  downFile?: SourceFile;
  /** 1-based line and column of a file offset, in the text as given (a marker line added in front is not counted). */
  position(file: SourceFile, offset: number): TextPosition;
  /** Where the candidate went, project-relative ("migrations/005_agent_candidate.sql"). */
  shownAs: string;
  /** How the copy ran it: 'migration' (last in order), 'migration, not last' (the ordering put a file after it), or 'query'. */
  role: 'migration' | 'migration, not last' | 'query';
  /** Rules that failed inside the engine while judging it (never thrown). */
  internalErrors: number;
}

const TITLE = 'agent candidate';

/** True when the text holds a statement that changes the schema (then lint_sql treats it as a migration by default). */
export function hasDdl(sql: string): boolean {
  return splitStatements(sql).statements.some((s) => /^\s*(create|alter|drop|rename|truncate|comment\s+on|grant|revoke|reindex|cluster|vacuum|refresh)\b/i.test(stripComments(s.text)));
}

function stripComments(t: string): string {
  return t.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
}

/** A key no file of the project has, in `dir` (a path or URI folder; '' for none). */
function freeKey(project: Project, dir: string, name: string, sep: string): string {
  const at = (n: string) => (dir ? dir + sep : '') + n;
  if (!project.hasFile(at(name))) return at(name);
  for (let i = 2; ; i++) {
    const n = name.replace(/(\.[a-z]+)$/i, `_${i}$1`);
    if (!project.hasFile(at(n))) return at(n);
  }
}

function sepOf(key: string): string { return key.includes('/') ? '/' : '\\'; }

/** The infix that makes a file of the other family read as `family` (ory's `name.mysql.up.sql`). */
function familyName(name: string, family: DialectFamily | undefined, project: Project): string {
  if (!family || family === project.mainFamily()) return name;
  const infix = family === 'mysql' ? '.mysql' : '.postgres';
  return name.replace(/(\.(up|down))?\.sql$/i, (m) => infix + m);
}

/**
 * Judges `sql` as a new migration (or a query file) of `project`, in a copy of it. Never changes
 * `project`. Bad input is the caller's to refuse (empty text): an empty text gives no findings.
 */
export function lintText(project: Project, sql: string, options: LintTextOptions = {}): LintTextResult {
  const scratch = project.fork();
  const files = project.order();
  const asMigration = options.asMigration ?? hasDdl(sql);
  let key: string, downKey: string | undefined, prefix = '', downPrefix = '', downInSection = false;
  let text = sql;
  const folder = asMigration ? migrationFolder(files) : undefined;
  const anchorFile = [...files].reverse().find((f) => f.replayed && f.statements.length && !f.skipped);
  if (asMigration && folder && anchorFile) {
    // where a quick fix would write the next migration, under the tool's own name
    const placed = placeMigration(files, { title: TITLE, up: sql, down: options.down ?? '', anchor: anchorFile.statements[anchorFile.statements.length - 1] });
    const creates = placed.edits.filter((e) => e.create);
    const up = creates[0]?.path ?? freeKey(project, folder.dir, 'zz_agent_candidate.sql', sepOf(folder.dir || anchorFile.path));
    key = familyKey(up, options.family, project);
    const head = creates[0]?.newText ?? '';
    const tool = /^--\s*\+goose\s+Up/im.test(head) ? 'goose' : /^--\s*migrate:up/im.test(head) ? 'dbmate' : undefined;
    if (tool === 'goose') { prefix = '-- +goose Up\n'; downPrefix = '\n-- +goose Down\n'; downInSection = true; }
    if (tool === 'dbmate') { prefix = '-- migrate:up\n'; downPrefix = '\n-- migrate:down\n'; downInSection = true; }
    const downEdit = creates.find((e, i) => i > 0 && /\.sql$/i.test(e.path));
    if (options.down !== undefined && !downInSection) {
      downKey = downEdit ? familyKey(downEdit.path, options.family, project)
        // no down files in this convention: a `.down.sql` beside it, which the engine reads as a rollback
        : downBeside(project, key);
    }
  } else if (asMigration) {
    // no migration convention: files run in path order; the candidate goes after the newest file
    const dir = anchorFile ? dirOf(anchorFile.path) : '';
    key = freeKey(project, dir, familyName('~agent_candidate.sql', options.family, project), sepOf(anchorFile?.path ?? '/'));
    if (options.down !== undefined) downKey = downBeside(project, key);
  } else {
    // a query file: beside the migrations folder (not in it), so no tool takes it for a migration
    const base = folder ? dirOf(folder.dir) : anchorFile ? dirOf(anchorFile.path) : '';
    key = freeKey(project, base, familyName('agent_query.sql', options.family, project), sepOf(folder?.dir || anchorFile?.path || '/'));
  }
  text = prefix + sql + (downInSection && options.down !== undefined ? downPrefix + options.down : '');
  const file = scratch.setFile(key, text);
  const downFile = downKey !== undefined ? scratch.setFile(downKey, options.down ?? '') : undefined;
  const targets = downFile ? [key, downFile.path] : [key];
  const found = scratch.analyze(targets);
  const all = found.get(key) ?? [];
  const upEnd = prefix.length + sql.length;
  const findings = downInSection ? all.filter((f) => f.start < upEnd) : all;
  const downFindings = downInSection ? all.filter((f) => f.start >= upEnd) : downFile ? found.get(downFile.path) ?? [] : undefined;
  const order = scratch.order();
  // last: no migration of a tool's set (or, without one, no replayed file) runs after it; query files may
  const inSet = file.migration?.set !== undefined;
  const after = order.slice(order.indexOf(file) + 1).filter((f) => f !== downFile && f.replayed && (!inSet || f.migration?.set !== undefined));
  const role: LintTextResult['role'] = !asMigration ? 'query' : after.length ? 'migration, not last' : 'migration';
  const position = (f: SourceFile, offset: number): TextPosition => {
    const p = f.lines.position(offset);
    if (f === file && downInSection && offset >= upEnd) {
      // a rollback in the down section: lines counted from the start of the rollback text
      const start = file.lines.position(upEnd + downPrefix.length);
      return { line: p.line - start.line + 1, col: p.line === start.line ? p.character - start.character + 1 : p.character + 1 };
    }
    const skip = f === file ? prefix.split('\n').length - 1 : 0;
    return { line: p.line + 1 - skip, col: p.character + 1 };
  };
  return {
    findings, file, downFindings, downFile: downInSection ? file : downFile, position,
    shownAs: scratch.relativePath(key).replace(/\\/g, '/'), role, internalErrors: scratch.internalErrors.length,
  };
}

function familyKey(key: string, family: DialectFamily | undefined, project: Project): string {
  const i = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  return key.slice(0, i + 1) + familyName(key.slice(i + 1), family, project);
}

/** `<up name>.down.sql` beside the up file (engine/order.ts reads a `.down.sql` as a rollback). */
function downBeside(project: Project, upKey: string): string {
  const i = Math.max(upKey.lastIndexOf('/'), upKey.lastIndexOf('\\'));
  const name = upKey.slice(i + 1).replace(/(\.up)?\.sql$/i, '') + '.down.sql';
  return freeKey(project, upKey.slice(0, Math.max(i, 0)), name, sepOf(upKey));
}
