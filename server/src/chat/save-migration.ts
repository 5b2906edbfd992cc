// "Save as new migration" on a SQL block of an answer: which files to create, and with what text.
// Pure (no editor, no file system): the chat panel's host lists the migrations folder, calls
// planSaveMigration, and creates the files it returns as new files (never over an existing one).
//
// The model's rollback is kept. The persona (agents/database-engineer.md) asks for a migration as a
// ```sql block with its rollback in the ```sql block right after it, that block starting with
// `-- Rollback` or introduced by a line that says rollback/down. A block recognised so is the down of
// the SQL block before it; one block may also hold both, split at a `-- Down` / `-- Rollback` line.
// Where the folder's convention keeps down files (golang-migrate `N_x.down.sql`, Diesel `dir/down.sql`)
// the rollback is written there; elsewhere it goes at the end of the up file as a commented-out block,
// so it is kept for the reader but never run by the migration tool.
import { nextMigrationName, type Convention } from '../engine/migration-name';

export interface SaveMigrationInput {
  /** The code of the block the user clicked. */
  code: string;
  /** The whole answer (markdown) the block is in, when known: its rollback block is found there. */
  answer?: string;
  /** Which fenced block of the answer was clicked (0-based, every fence counted), to tell identical blocks apart. */
  block?: number;
  /** Names in the migrations folder (directories end with `/`). */
  entries: string[];
  /** The clock, for timestamped conventions. */
  now?: Date;
}

export interface SaveMigrationPlan {
  /** Files to create, paths relative to the migrations folder with `/`; the up migration first. */
  files: { path: string; text: string }[];
  convention: Convention;
  /** Where the rollback went: its own file, a comment at the end of the up file, or none was found. */
  rollback: 'file' | 'comment' | 'none';
  /** One line for the user: what is created and where the rollback is. */
  summary: string;
}

interface Block { lang: string; code: string; lead: string }

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const SQL_LANG = /^(sql|pgsql|postgres(ql)?|plpgsql|mysql|mariadb)?$/i;
/** A line that starts the rollback inside a block: `-- Down`, `-- Rollback:`, `-- +goose Down`, `-- migrate:down`, `-- undo`. */
const DOWN_LINE = /^\s*--\s*(\+goose\s+down|migrate:down|down\b|rollback\b|roll\s+back\b|revert\b|undo\b)/i;
/** A line that starts the forward part inside a block. */
const UP_LINE = /^\s*--\s*(\+goose\s+up|migrate:up|up\b|migration\b|forward\b)\s*:?\s*$/i;
/** Text before a block that introduces a rollback: a heading or sentence naming it ("down" only alone, as in "### Down"). */
const DOWN_LEAD = /\b(rollback|roll(ing)?\s+(it\s+|this\s+|them\s+)?back|down\s+migration|revert|undo)\b/i;
const DOWN_ALONE = /^(#+\s*)?[*_]*\s*down\s*[*_]*\s*:?\s*[*_]*$/i;

/** The fenced blocks of a markdown text, each with the text between the previous block and it. */
export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let lead: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]);
    if (!m) { lead.push(lines[i]); continue; }
    const marker = m[1];
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const close = lines[i].trim();
      if (close.startsWith(marker[0].repeat(marker.length)) && new RegExp(`^\\${marker[0]}+$`).test(close)) break;
      body.push(lines[i]);
    }
    out.push({ lang: m[2].toLowerCase(), code: body.join('\n'), lead: lead.join('\n') });
    lead = [];
  }
  return out;
}

const norm = (s: string) => s.replace(/\r\n?/g, '\n').trim();
const isSql = (b: Block) => SQL_LANG.test(b.lang);

/** The last non-empty line of the text before a block (a heading or a sentence ending in ':'). */
function leadLine(lead: string): string {
  const lines = lead.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}

/** A block is a rollback when its first line says so, or the line just before it does. */
function isDown(b: Block): boolean {
  const first = b.code.split('\n').find((l) => l.trim() !== '') ?? '';
  if (DOWN_LINE.test(first)) return true;
  if (UP_LINE.test(first)) return false;
  const lead = leadLine(b.lead);
  // "Rollback:", "### Down", "To roll back:", "Rollback for the steps above, run in reverse order:";
  // not a long sentence that merely mentions a rollback
  if (DOWN_ALONE.test(lead)) return true;
  const introduces = /^#+\s/.test(lead) || /:[*_]*$/.test(lead) || lead.length <= 60;
  return introduces && DOWN_LEAD.test(lead);
}

/** Splits one block at its down marker line: [up, down] (down undefined when there is none). */
function splitBlock(code: string): [string, string | undefined] {
  const lines = code.split('\n');
  const at = lines.findIndex((l, i) => i > 0 && DOWN_LINE.test(l) && lines.slice(0, i).some((x) => x.trim() && !UP_LINE.test(x) && !/^\s*--/.test(x)));
  if (at < 0) return [code, undefined];
  const up = lines.slice(0, at).filter((l, i) => !(i === 0 && UP_LINE.test(l))).join('\n');
  return [up, lines.slice(at).join('\n')];
}

/** The up and down SQL for the clicked block: its rollback block when the answer has one. */
export function upAndDown(input: Pick<SaveMigrationInput, 'code' | 'answer' | 'block'>): { up: string; down?: string } {
  const code = norm(input.code);
  const [ownUp, ownDown] = splitBlock(code);
  if (ownDown !== undefined) return { up: norm(ownUp), down: norm(ownDown) };
  if (!input.answer) return { up: code };
  const blocks = fencedBlocks(input.answer);
  // the clicked block: the one at the index given when its code matches, else the first that matches
  let i = input.block !== undefined && blocks[input.block] && norm(blocks[input.block].code) === code ? input.block : blocks.findIndex((b) => norm(b.code) === code);
  if (i < 0) return { up: code };
  const sqlAt = (j: number) => blocks[j] && isSql(blocks[j]);
  if (isDown(blocks[i])) {
    // the rollback was clicked: the migration is the SQL block before it (unless that is a rollback too)
    let j = i - 1;
    while (j >= 0 && !sqlAt(j)) j--;
    if (j < 0 || isDown(blocks[j])) return { up: code };
    const t = i; i = j;
    return { up: norm(blocks[i].code), down: norm(blocks[t].code) };
  }
  let k = i + 1;
  while (k < blocks.length && !sqlAt(k)) k++;
  if (k < blocks.length && isDown(blocks[k])) return { up: code, down: norm(blocks[k].code) };
  return { up: code };
}

function firstComment(sql: string): string | undefined {
  const m = /^\s*--\s*(.+)$/m.exec(sql);
  const t = m?.[1].trim();
  return t && !UP_LINE.test(`-- ${t}`) ? t : undefined;
}

/** Comments every line out: `-- ` before each, so nothing of it runs. */
function commentedOut(sql: string): string {
  return sql.split('\n').map((l) => (l.trim() === '' ? '--' : `-- ${l}`)).join('\n');
}

/** The files "Save as new migration" creates for a block of an answer. */
export function planSaveMigration(input: SaveMigrationInput): SaveMigrationPlan {
  const { up, down } = upAndDown(input);
  const title = firstComment(up) ?? 'dbe_suggestion';
  const name = nextMigrationName(input.entries, title, input.now);
  const withNl = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  if (name.down) {
    const downText = down ?? '-- Rollback of the migration next to this file: write the statements that undo it.';
    return {
      files: [{ path: name.up, text: withNl(up) }, { path: name.down, text: withNl(downText) }],
      convention: name.convention,
      rollback: down ? 'file' : 'none',
      summary: down ? `${name.up} with its rollback in ${name.down}` : `${name.up}; ${name.down} is a placeholder (the answer had no rollback block)`,
    };
  }
  if (down) {
    const note = `-- Rollback, as the assistant proposed it. The ${name.convention === 'plain' ? 'folder has no' : `${name.convention} convention has no`} down files, so it is\n-- kept here commented out: it never runs with this migration.`;
    return { files: [{ path: name.up, text: `${withNl(up)}\n${note}\n${commentedOut(down)}\n` }], convention: name.convention, rollback: 'comment', summary: `${name.up} (its rollback as a comment at the end)` };
  }
  return { files: [{ path: name.up, text: withNl(up) }], convention: name.convention, rollback: 'none', summary: name.up };
}
