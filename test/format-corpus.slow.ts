// Formatting over the whole PostgreSQL corpus (../shared/corpus without mysql/, PostgreSQL's regression
// suite included): every file is formatted by engine/format.ts, and the result is checked
// independently of the engine's own safety net: (1) the formatted file splits into the same number of
// statements and each parses to the same tree as before (byte offsets aside), or fails to parse exactly
// as before; (2) the text between statements is byte for byte the same; (3) every comment and every
// dollar-quoted string is still there, in order; (4) formatting the result again changes nothing.
// Prints the figures: statements formatted, left as written (by reason), time.
// Slow (minutes): `npm run test:format-corpus`.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyFormatEdits, defaultFormatOptions, formatSql, formatStatement, type LeftReason } from '../server/src/engine/format';
import { initParser, parseStatement, tokens } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const present = fs.existsSync(CORPUS);
const skip = present ? false : `corpus not found at ${CORPUS}`;
if (!present) console.log(`# format-corpus test skipped: ${CORPUS} is absent`);

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!(dir === CORPUS && e.name === 'mysql')) out.push(...sqlFiles(p)); } else if (e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

// every byte offset libpg-query 18 writes into a tree
const OFFSETS = new Set(['location', 'stmt_location', 'stmt_len', 'list_start', 'list_end', 'rexpr_list_start', 'rexpr_list_end', 'name_location']);
function tree(text: string): string {
  const p = parseStatement(text);
  if (p.error) return `error: ${p.error.message}`;
  return JSON.stringify(p.node, (k, v) => (OFFSETS.has(k) ? undefined : v)) + (p.extra ? `+${p.extra}` : '');
}
const kept = (text: string) => tokens(text)
  .filter((t) => t.kind === 'SQL_COMMENT' || t.kind === 'C_COMMENT' || (t.kind === 'SCONST' && t.text.startsWith('$')))
  .map((t) => (t.kind === 'SCONST' ? t.text : t.text.replace(/\s+/g, ' ').trim()));

before(async () => { await initParser(); });

test('formatting the whole corpus changes no statement\'s parse tree, no comment, nothing between statements; twice changes nothing', { skip }, () => {
  const files = sqlFiles(CORPUS);
  const started = performance.now();
  let statements = 0;
  let formatted = 0;
  let unchanged = 0;
  const left: Partial<Record<LeftReason, number>> = {};
  const failures: string[] = [];
  const fail = (file: string, what: string) => { if (failures.length < 20) failures.push(`${path.relative(CORPUS, file)}: ${what}`); };
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const r = formatSql(text, defaultFormatOptions());
    statements += r.statements;
    formatted += r.edits.length;
    unchanged += r.unchanged;
    for (const l of r.left) left[l.reason] = (left[l.reason] ?? 0) + 1;
    if (!r.edits.length) continue;
    const out = applyFormatEdits(text, r.edits);
    const a = splitStatements(text).statements;
    const b = splitStatements(out).statements;
    if (a.length !== b.length) { fail(file, `${a.length} statements before, ${b.length} after`); continue; }
    for (let i = 0; i < a.length; i++) {
      const line = text.slice(0, a[i].start).split('\n').length;
      if (tree(a[i].text) !== tree(b[i].text)) fail(file, `line ${line}: the statement parses differently`);
      if (JSON.stringify(kept(a[i].text)) !== JSON.stringify(kept(b[i].text))) fail(file, `line ${line}: a comment or dollar-quoted string changed`);
      const gapA = text.slice(i ? a[i - 1].end : 0, a[i].start);
      const gapB = out.slice(i ? b[i - 1].end : 0, b[i].start);
      if (gapA !== gapB) fail(file, `line ${line}: the text before the statement changed`);
    }
    if (text.slice(a.at(-1)!.end) !== out.slice(b.at(-1)!.end)) fail(file, 'the text after the last statement changed');
    // idempotence: each formatted statement formats to itself (the rest is left or unchanged as before)
    // (edit offsets are in the original text; the statement's line start before it is unchanged)
    for (const e of r.edits) {
      const lineStart = text.lastIndexOf('\n', e.start - 1) + 1;
      const lead = text.slice(lineStart, e.start);
      const again = formatStatement(e.newText, defaultFormatOptions(), { indent: /^[ \t]*$/.test(lead) ? lead : '', eol: e.newText.includes('\r\n') ? '\r\n' : '\n' });
      if (!('text' in again) || again.text !== e.newText) fail(file, `line ${text.slice(0, e.start).split('\n').length}: formatting again changes it`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const leftTotal = Object.values(left).reduce((s, x) => s + (x ?? 0), 0);
  console.log(`# format-corpus: ${files.length} files, ${statements} statements: ${formatted} formatted, ${unchanged} already formatted, ${leftTotal} left as written ${JSON.stringify(left)}; ${seconds.toFixed(1)} s`);
  assert.deepEqual(failures, []);
  assert.ok(formatted > statements / 2, 'most statements are formatted');
});
