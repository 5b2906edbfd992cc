// Splits a MySQL / MariaDB file into statements the way the `mysql` client sends them: `;` ends a
// statement outside strings, names and comments, and the client command `DELIMITER xx` (any case, at
// the start of a line) changes that terminator until the next DELIMITER. Compound statements written
// without DELIMITER (CREATE PROCEDURE ... BEGIN ...; ...; END, as migration tools send them) stay whole.
// Offsets are kept: DELIMITER lines and custom terminators are masked with spaces in `masked`, so a
// statement's text holds only SQL and every position in it is a position in the file.
import { maskTemplates, type RawStatement, type SplitResult } from '../../sql/split';

const DELIMITER_LINE = /^[ \t]*delimiter[ \t]+(\S+)[^\n]*/i;
const ROUTINE_HEAD = /^(?:create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*(?:`[^`]*`|'[^']*'|"[^"]*"|[\w$.-]+)(?:\s*@\s*(?:`[^`]*`|'[^']*'|"[^"]*"|[\w$.%-]+))?\s+)?(?:aggregate\s+)?(?:procedure|function|trigger|event)\b|begin\s+not\s+atomic\b|(?:\w+\s*:\s*)?begin\s+not\s+atomic\b)/i;

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 0x80;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xfeff;

export interface MySqlSplit extends SplitResult {
  /** DELIMITER commands met, in order: where (line span) and the terminator they set. */
  delimiters: { start: number; end: number; delimiter: string }[];
}

export function splitMySql(original: string): MySqlSplit {
  const marks = new Uint8Array(original.length);
  const text = maskTemplates(original, marks);
  const n = text.length;
  let chars: string[] | null = null;
  const writable = () => chars ?? (chars = text.split(''));
  const mask = (from: number, to: number) => {
    const w = writable();
    for (let k = from; k < to; k++) if (w[k] !== '\n' && w[k] !== '\r') w[k] = ' ';
  };
  const statements: RawStatement[] = [];
  const delimiters: MySqlSplit['delimiters'] = [];
  let delim = ';';
  let start = -1;
  let routine: boolean | undefined; // undefined until the statement's head is known
  let depth = 0;
  let inExec = false;

  const finish = (end: number) => {
    if (start >= 0) {
      let e = end;
      const at = (k: number) => (chars ? chars[k] : text[k]);
      while (e > start && /\s/.test(at(e - 1))) e--;
      if (e > start) statements.push({ start, end: e, text: '', templated: false });
    }
    start = -1; routine = undefined; depth = 0;
  };
  const begin = (at: number) => { if (start < 0) start = at; };

  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (lineStart) {
      lineStart = false;
      // DELIMITER is a client command: only at the start of a line, outside any string or comment
      const eol = text.indexOf('\n', i);
      const line = text.slice(i, eol < 0 ? n : eol);
      const m = DELIMITER_LINE.exec(line);
      if (m) {
        finish(i);
        const lineEnd = i + m[0].length;
        delimiters.push({ start: i, end: lineEnd, delimiter: m[1] });
        delim = m[1];
        mask(i, lineEnd);
        i = lineEnd;
        continue;
      }
    }
    if (c === 10) { lineStart = true; i++; continue; }
    if (isSpace(c)) { i++; continue; }
    // comments
    if (c === 35 || (c === 45 && text.charCodeAt(i + 1) === 45 && (i + 2 >= n || isSpace(text.charCodeAt(i + 2)) || text.charCodeAt(i + 2) < 32))) {
      const j = text.indexOf('\n', i);
      i = j < 0 ? n : j;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const exec = text.charCodeAt(i + 2) === 33 || (text[i + 2] === 'M' && text.charCodeAt(i + 3) === 33);
      if (exec && !inExec) { begin(i); inExec = true; i += text[i + 2] === 'M' ? 4 : 3; continue; }
      const j = text.indexOf('*/', i + 2);
      const end = j < 0 ? n : j + 2;
      for (let k = i; k < end; k++) if (text.charCodeAt(k) === 10) { /* a DELIMITER inside a comment is not one */ }
      i = end;
      continue;
    }
    if (inExec && c === 42 && text.charCodeAt(i + 1) === 47) { inExec = false; i += 2; continue; }
    // the terminator
    if (text.startsWith(delim, i) && (delim !== ';' || depth <= 0)) {
      if (delim !== ';') mask(i, i + delim.length);
      if (start >= 0) finish(delim === ';' ? i + 1 : i);
      i += delim.length;
      continue;
    }
    // strings and names
    if (c === 39 || c === 34 || c === 96) {
      begin(i);
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92 && c !== 96) { j += 2; continue; }
        if (d === c) { if (text.charCodeAt(j + 1) === c) { j += 2; continue; } j++; break; }
        j++;
      }
      // a newline inside a string is not the start of a line for DELIMITER
      i = Math.min(j, n);
      continue;
    }
    if (isWordChar(c)) {
      begin(i);
      let j = i + 1;
      // a custom terminator glued to a word (END$$, END//) ends the word: `$` is a word character
      while (j < n && isWordChar(text.charCodeAt(j)) && (delim === ';' || !text.startsWith(delim, j))) j++;
      if (delim === ';') {
        if (routine === undefined) routine = ROUTINE_HEAD.test(text.slice(start, Math.min(n, start + 400)).replace(/\/\*!\d*/g, ''));
        if (routine) {
          const w = text.slice(i, j).toUpperCase();
          if (w === 'BEGIN' || w === 'CASE') depth++;
          else if (w === 'END') {
            const after = /^\s+(\w+)/.exec(text.slice(j, j + 20));
            const next = after?.[1].toUpperCase();
            if (next !== 'IF' && next !== 'LOOP' && next !== 'WHILE' && next !== 'REPEAT' && next !== 'FOR') depth--;
          }
        }
      }
      i = j;
      continue;
    }
    begin(i);
    i++;
  }
  finish(n);
  const masked = chars ? (chars as string[]).join('') : text;
  for (const s of statements) {
    s.text = masked.slice(s.start, s.end);
    for (let k = s.start; k < s.end; k++) if (marks[k]) { s.templated = true; break; }
  }
  return { statements, masked, templated: marks.indexOf(1) >= 0, delimiters };
}
