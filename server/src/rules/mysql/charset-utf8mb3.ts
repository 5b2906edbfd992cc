import type { Fix, Statement } from '../../model';
import type { MyToken } from '../../dialects/mysql/lex';
import { isAppliedMigration, migrationLabel, placeMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { alterColumn, closing, head, laterStatements, readAlterTable, readCreateTable, readName, readTableOptions, span, splitCommas, tokensOf, up, valueUpper, type ColumnDef, type CreateTable } from './read';

const MB3 = new Set(['UTF8', 'UTF8MB3']);
const MB3_COLLATION = /^utf8(?:mb3)?_([a-z0-9_]+)$/i;
/** utf8 collations whose utf8mb4 twin exists in MySQL and MariaDB alike. */
const TWIN = new Set(['general_ci', 'unicode_ci', 'bin', 'unicode_520_ci']);

/** A charset and its collation, as written in one place (a column, the table options, CONVERT TO). */
interface Clause { charset?: number; collate?: number }

function quoteLike(t: MyToken, v: string): string {
  return t.kind === 'quoted' ? `\`${v}\`` : t.kind === 'string' ? `'${v}'` : v;
}

/** The utf8mb3 part of a clause: which tokens are utf8mb3, and their utf8mb4 replacement when one is sure. */
function judge(tokens: MyToken[], c: Clause): { bad: number; edits?: { at: number; text: string }[]; collation?: string } | undefined {
  const cs = c.charset !== undefined ? valueUpper(tokens[c.charset]) : '';
  const co = c.collate !== undefined ? tokens[c.collate].value : '';
  const csBad = MB3.has(cs);
  const coMatch = MB3_COLLATION.exec(co);
  if (!csBad && !coMatch) return undefined;
  // a utf8mb4 charset with a utf8 collation is an error the server reports itself
  if (!csBad && cs && cs !== 'UTF8' && cs !== 'UTF8MB3') return undefined;
  const bad = csBad ? c.charset! : c.collate!;
  const edits: { at: number; text: string }[] = [];
  if (csBad) edits.push({ at: c.charset!, text: quoteLike(tokens[c.charset!], 'utf8mb4') });
  let collation: string | undefined;
  if (coMatch) {
    const suffix = coMatch[1].toLowerCase();
    if (!TWIN.has(suffix)) return { bad };
    collation = `utf8mb4_${suffix}`;
    edits.push({ at: c.collate!, text: quoteLike(tokens[c.collate!], collation) });
  }
  return { bad, edits, collation };
}

/** Indexed VARCHAR/VARCHAR-like columns over 191 characters (no prefix length): their keys outgrow 767 bytes in utf8mb4. */
function longIndexed(tokens: MyToken[], t: CreateTable, cols: ColumnDef[]): ColumnDef[] {
  const indexed = new Set<string>();
  for (const [a, b] of t.others) {
    const u = up(tokens[a]);
    if (u === 'FOREIGN' || u === 'CHECK') continue;
    if (u === 'CONSTRAINT' && tokens.slice(a, b).some((x) => up(x) === 'FOREIGN' || up(x) === 'CHECK')) continue;
    const open = tokens.findIndex((x, i) => i >= a && i < b && x.kind === 'op' && x.value === '(');
    if (open < 0) continue;
    const close = closing(tokens, open);
    for (const [p, q] of splitCommas(tokens, open + 1, close)) {
      const n = readName(tokens, p);
      // `name(191)`: a prefix length keeps the key short
      if (n && !(tokens[n.next]?.value === '(' && n.next < q)) indexed.add(n.key);
    }
  }
  for (const c of cols) if (tokens.slice(c.typeTo, c.to).some((x) => up(x) === 'UNIQUE' || up(x) === 'PRIMARY')) indexed.add(c.name.toLowerCase());
  return cols.filter((c) => indexed.has(c.name.toLowerCase()) && (c.base === 'varchar' || c.base === 'char') && Number(c.mods[0]) > 191);
}

function indexNote(cols: ColumnDef[]): string {
  if (cols.length === 0) return '';
  const names = cols.map((c) => `${c.name} (${c.base.toUpperCase()}(${c.mods[0]}), up to ${Number(c.mods[0]) * 4} bytes)`).join(', ');
  return ` Indexed: ${names}. In utf8mb4 a key over 767 bytes (191 characters) is refused by the COMPACT and REDUNDANT row formats (MySQL 5.6, MariaDB before 10.2); DYNAMIC, the default since MySQL 5.7.7 and MariaDB 10.2.2, allows 3,072 bytes.`;
}

/**
 * True when a later statement changes or drops what this finding is about: it drops, renames or
 * re-creates the table, or names a character set or collation that is not utf8mb3.
 */
function superseded(ctx: StatementContext, table: string | undefined): boolean {
  if (!table) return false;
  for (const s of laterStatements(ctx.files(), ctx.stmt, table)) {
    const toks = tokensOf(s);
    const h = head(toks);
    if (h.startsWith('DROP TABLE') || h.startsWith('RENAME') || h.startsWith('CREATE TABLE')) return true;
    for (let i = 0; i < toks.length; i++) {
      const u = up(toks[i]);
      if (u === 'RENAME') return true;
      if (u !== 'CHARSET' && u !== 'COLLATE' && !(u === 'CHARACTER' && up(toks[i + 1]) === 'SET')) continue;
      let j = i + (u === 'CHARACTER' ? 2 : 1);
      if (toks[j]?.value === '=') j++;
      const v = valueUpper(toks[j]);
      if (v && !MB3.has(v) && !MB3_COLLATION.test(v)) return true;
    }
  }
  return false;
}

function inPlaceFix(stmt: Statement, tokens: MyToken[], edits: { at: number; text: string }[]): Fix {
  return {
    title: 'Use utf8mb4',
    edits: edits.map((e) => ({ path: stmt.file.path, ...span(stmt, tokens, e.at), newText: e.text })),
  };
}

function fixFor(ctx: StatementContext, tokens: MyToken[], j: NonNullable<ReturnType<typeof judge>>, alterSql: string | undefined): Fix[] | undefined {
  if (!j.edits || ctx.stmt.templated) return undefined;
  // COMPACT / REDUNDANT rows keep index keys under 767 bytes: a VARCHAR/CHAR over 191 characters in
  // utf8mb4 (4 bytes each) no longer fits its index (error 1709 / 1071); the fix is left to the author
  if (/\bROW_FORMAT\s*=?\s*(COMPACT|REDUNDANT)\b/i.test(ctx.stmt.text) && [...ctx.stmt.text.matchAll(/\b(?:VAR)?CHAR\s*\(\s*(\d+)\s*\)/gi)].some((m) => Number(m[1]) > 191)) return undefined;
  const files = ctx.files();
  if (!isAppliedMigration(files, ctx.stmt.file)) return [inPlaceFix(ctx.stmt, tokens, j.edits)];
  if (!alterSql) return undefined;
  const placed = placeMigration(files, { title: 'convert to utf8mb4', up: alterSql, anchor: ctx.stmt });
  if (placed.mode !== 'new-file') return undefined;
  return [{ title: `Convert to utf8mb4 in a new migration ${migrationLabel(placed.path)} (its migration has already run; CONVERT TO rewrites the table and blocks writes while it runs)`, edits: placed.edits }];
}

const q = (n: string) => `\`${n.replace(/`/g, '``')}\``;

export const rule: Rule = {
  meta: {
    id: 'charset-utf8mb3',
    dialects: ['mysql'],
    title: 'utf8 / utf8mb3 character set: not full Unicode',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Data integrity over application logic"; Schema Design Standards: choose appropriate data types (MySQL: utf8mb4 for text).',
    rationale:
      "MySQL's `utf8` is an alias of `utf8mb3`: at most three bytes a character, so emoji and other characters outside the Basic Multilingual Plane cannot be stored. Depending on sql_mode the insert fails (\"Incorrect string value\") or the text is cut at the first such character, silently. `utf8mb4` is real UTF-8; `utf8mb3` is deprecated in MySQL 8.0 and will be removed.",
    bad: 'CREATE TABLE comments (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  body TEXT NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;',
    good: 'CREATE TABLE comments (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  body TEXT NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;',
    fixable: true,
    notes:
      'Reported in CREATE TABLE (table options and column CHARACTER SET / COLLATE), ALTER TABLE (CONVERT TO CHARACTER SET, DEFAULT CHARSET, column definitions) and CREATE / ALTER DATABASE; a utf8_* collation alone counts too. Not reported when a later migration converts, changes or drops the table, nor in a rollback. The fix writes utf8mb4 with the matching collation (utf8_general_ci to utf8mb4_general_ci, utf8_unicode_ci to utf8mb4_unicode_ci, utf8_unicode_520_ci, utf8_bin to utf8mb4_bin); other collations get no fix (choose one). In a migration that has already run the fix is a new migration with ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4, which copies the table (see online-ddl-copy). An indexed VARCHAR over 191 characters is named in the message: its utf8mb4 key can pass the 767-byte limit of the old COMPACT/REDUNDANT row formats.',
  },
  textFilter: /utf8(?!mb4)/i,
  beforeStatement(ctx) {
    if (ctx.runner.down || ctx.stmt.templated) return;
    const tokens = tokensOf(ctx.stmt);
    const h = head(tokens);
    const report = (j: NonNullable<ReturnType<typeof judge>>, what: string, note: string, alterSql: string | undefined) => {
      const via = j.collation ? ` with ${j.collation}` : j.edits ? '' : ' (choose the utf8mb4 collation that matches)';
      ctx.report({
        ...span(ctx.stmt, tokens, j.bad),
        message: `${what} is utf8mb3 (\`${tokens[j.bad].value}\`): at most 3 bytes a character, so emoji and other characters outside the BMP fail or are cut off; use utf8mb4${via}.${note}`,
        fixes: fixFor(ctx, tokens, j, alterSql),
      });
    };
    if (h.startsWith('CREATE TABLE')) {
      const t = readCreateTable(tokens);
      if (!t || superseded(ctx, t.key)) return;
      const cs = t.options.filter((o) => o.key === 'CHARSET').pop();
      const co = t.options.filter((o) => o.key === 'COLLATE').pop();
      const j = judge(tokens, { charset: cs?.value, collate: co?.value });
      if (j) {
        const plain = t.columns.filter((c) => c.charset === undefined && c.collate === undefined);
        const sql = `ALTER TABLE ${q(t.name)} CONVERT TO CHARACTER SET utf8mb4${j.collation ? ` COLLATE ${j.collation}` : ''};`;
        report(j, `Table ${t.name}`, indexNote(longIndexed(tokens, t, plain)), sql);
      }
      for (const c of t.columns) {
        const jc = judge(tokens, { charset: c.charset, collate: c.collate });
        if (jc) report(jc, `Column ${t.name}.${c.name}`, indexNote(longIndexed(tokens, t, [c])), undefined);
      }
      return;
    }
    if (h.startsWith('ALTER TABLE')) {
      const a = readAlterTable(tokens);
      if (!a || superseded(ctx, a.key)) return;
      for (const act of a.actions) {
        if (act.verb === 'CONVERT') {
          const opts = readTableOptions(tokens, act.from, act.to);
          const j = judge(tokens, { charset: opts.find((o) => o.key === 'CHARSET')?.value, collate: opts.find((o) => o.key === 'COLLATE')?.value });
          if (j) report(j, `Table ${a.name}`, '', `ALTER TABLE ${q(a.name)} CONVERT TO CHARACTER SET utf8mb4${j.collation ? ` COLLATE ${j.collation}` : ''};`);
          continue;
        }
        const col = alterColumn(tokens, act);
        if (col) {
          const jc = judge(tokens, { charset: col.def.charset, collate: col.def.collate });
          if (jc) report(jc, `Column ${a.name}.${col.def.name}`, '', undefined);
          continue;
        }
        if (act.verb === 'DEFAULT' || act.verb === 'CHARSET' || act.verb === 'CHARACTER' || act.verb === 'COLLATE') {
          const opts = readTableOptions(tokens, act.from, act.to);
          const j = judge(tokens, { charset: opts.find((o) => o.key === 'CHARSET')?.value, collate: opts.find((o) => o.key === 'COLLATE')?.value });
          if (j) report(j, `The default character set of ${a.name}`, '', `ALTER TABLE ${q(a.name)} DEFAULT CHARACTER SET utf8mb4${j.collation ? ` COLLATE ${j.collation}` : ''};`);
        }
      }
      return;
    }
    if (h.startsWith('CREATE DATABASE') || h.startsWith('CREATE SCHEMA') || h.startsWith('ALTER DATABASE') || h.startsWith('ALTER SCHEMA')) {
      let i = 2;
      if (up(tokens[i]) === 'IF') i += up(tokens[i + 1]) === 'NOT' ? 3 : 2;
      const n = readName(tokens, i);
      const opts = readTableOptions(tokens, n ? n.next : i, tokens.length);
      const j = judge(tokens, { charset: opts.filter((o) => o.key === 'CHARSET').pop()?.value, collate: opts.filter((o) => o.key === 'COLLATE').pop()?.value });
      if (j) report(j, n ? `The default character set of database ${n.name}` : 'The default character set of the database', ' New tables in it inherit it.', n ? `ALTER DATABASE ${q(n.name)} CHARACTER SET utf8mb4${j.collation ? ` COLLATE ${j.collation}` : ''};` : undefined);
    }
  },
};
