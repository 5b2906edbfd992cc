// MySQL / MariaDB tokens: what the server's own lexer sees, with UTF-16 offsets into the text, so
// that every later step (splitting, reading DDL, lowering queries, rules) agrees on where things are.
// Differences from PostgreSQL that matter: `backtick` identifiers, "double quotes" are strings
// (sql_mode without ANSI_QUOTES, the default), backslash escapes in strings, `#` comments, `-- `
// needs a space after it, and /*! ... */ comments whose content the server executes.

export type MyTokenKind =
  | 'word'      // keyword or plain identifier (value: as written; upper: upper-cased)
  | 'quoted'    // `backtick` identifier (value: unescaped name)
  | 'string'    // '...' or "..." (value: unescaped content), also N'..', _utf8mb4'..', X'..', B'..'
  | 'number'    // 12, 1.5, 1e3, 0x1F, 0b01
  | 'variable'  // @name, @'name', @@global.name
  | 'param'     // ?
  | 'op'        // punctuation and operators: ( ) , ; . = <=> := -> ->> ...
  | 'delimiter'; // a custom statement delimiter (set by DELIMITER), only from the splitter

export interface MyToken {
  kind: MyTokenKind;
  /** UTF-16 offsets in the text given to lex(). */
  start: number;
  end: number;
  /** The identifier or string content (unquoted, unescaped); the text for other kinds. */
  value: string;
  /** Upper-cased value for words ('' for other kinds): compare keywords with it. */
  upper: string;
}

export interface MyComment { start: number; end: number; text: string }

export interface LexResult {
  tokens: MyToken[];
  comments: MyComment[];
  /** A string, backtick name or comment that never closes: where it starts. */
  unterminated?: { start: number; what: string };
}

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 0x80;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xfeff; // (a byte order mark counts as space: the mysql client skips it)

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', '0': '\0', Z: '\x1a', '\\': '\\', "'": "'", '"': '"', '%': '\\%', _: '\\_' };

const OPS3 = ['<=>', '->>'];
const OPS2 = [':=', '<=', '>=', '<>', '!=', '||', '&&', '<<', '>>', '->'];

/**
 * The tokens of `text` (from `from` to `to`), comments apart. Never throws: an unterminated string
 * or comment runs to `to` and is reported in `unterminated`.
 */
export function lex(text: string, from = 0, to = text.length): LexResult {
  const tokens: MyToken[] = [];
  const comments: MyComment[] = [];
  let unterminated: LexResult['unterminated'];
  let i = from;
  // Executable comments (/*! ... */, /*!50001 ... */, MariaDB's /*M! ... */): their content is code.
  // The closing */ of the one we are inside is skipped when met.
  let inExec = false;
  const push = (kind: MyTokenKind, start: number, end: number, value: string) =>
    tokens.push({ kind, start, end, value, upper: kind === 'word' ? value.toUpperCase() : '' });

  const readQuoted = (q: number, start: number): { end: number; value: string } => {
    // start: offset of the opening quote
    let j = start + 1;
    let value = '';
    const backslash = q !== 96; // backslash escapes in strings, not in `names`
    while (j < to) {
      const c = text.charCodeAt(j);
      if (backslash && c === 92 && j + 1 < to) {
        const e = text[j + 1];
        value += ESCAPES[e] ?? e;
        j += 2;
        continue;
      }
      if (c === q) {
        if (j + 1 < to && text.charCodeAt(j + 1) === q) { value += text[j]; j += 2; continue; }
        return { end: j + 1, value };
      }
      value += text[j];
      j++;
    }
    unterminated ??= { start, what: q === 96 ? 'backtick name' : 'string' };
    return { end: to, value };
  };

  while (i < to) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    // comments
    if (c === 35 /* # */) {
      let j = text.indexOf('\n', i);
      if (j < 0 || j > to) j = to;
      comments.push({ start: i, end: j, text: text.slice(i, j) });
      i = j;
      continue;
    }
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45 && (i + 2 >= to || isSpace(text.charCodeAt(i + 2)) || text.charCodeAt(i + 2) < 32)) {
      let j = text.indexOf('\n', i);
      if (j < 0 || j > to) j = to;
      comments.push({ start: i, end: j, text: text.slice(i, j) });
      i = j;
      continue;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const exec = text.charCodeAt(i + 2) === 33 /* ! */ || (text[i + 2] === 'M' && text.charCodeAt(i + 3) === 33);
      if (exec && !inExec) {
        // skip the opener and its version number; the content is lexed as code
        let j = i + (text[i + 2] === 'M' ? 4 : 3);
        while (j < to && isDigit(text.charCodeAt(j))) j++;
        comments.push({ start: i, end: j, text: text.slice(i, j) });
        inExec = true;
        i = j;
        continue;
      }
      let j = text.indexOf('*/', i + 2);
      if (j < 0 || j + 2 > to) { unterminated ??= { start: i, what: 'comment' }; j = to - 2; }
      comments.push({ start: i, end: j + 2, text: text.slice(i, j + 2) });
      i = j + 2;
      continue;
    }
    if (inExec && c === 42 && text.charCodeAt(i + 1) === 47) {
      comments.push({ start: i, end: i + 2, text: '*/' });
      inExec = false;
      i += 2;
      continue;
    }
    // quoted
    if (c === 39 || c === 34) { const r = readQuoted(c, i); push('string', i, r.end, r.value); i = r.end; continue; }
    if (c === 96) { const r = readQuoted(96, i); push('quoted', i, r.end, r.value); i = r.end; continue; }
    // variables
    if (c === 64 /* @ */) {
      let j = i + 1;
      if (text.charCodeAt(j) === 64) j++;
      const q = text.charCodeAt(j);
      if (q === 39 || q === 34 || q === 96) { const r = readQuoted(q, j); push('variable', i, r.end, text.slice(i, r.end)); i = r.end; continue; }
      while (j < to && (isWordChar(text.charCodeAt(j)) || text.charCodeAt(j) === 46)) j++;
      push('variable', i, j, text.slice(i, j));
      i = j;
      continue;
    }
    if (c === 63) { push('param', i, i + 1, '?'); i++; continue; }
    // numbers (a run of word characters that is a number), hex / bit literals
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let j = i;
      if (c === 48 && (text[i + 1] === 'x' || text[i + 1] === 'b') ) {
        j = i + 2;
        while (j < to && isWordChar(text.charCodeAt(j))) j++;
        push(/^0x[0-9a-f]+$|^0b[01]+$/i.test(text.slice(i, j)) ? 'number' : 'word', i, j, text.slice(i, j));
        i = j;
        continue;
      }
      while (j < to && isDigit(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 46) { j++; while (j < to && isDigit(text.charCodeAt(j))) j++; }
      if ((text[j] === 'e' || text[j] === 'E') && (isDigit(text.charCodeAt(j + 1)) || ((text[j + 1] === '+' || text[j + 1] === '-') && isDigit(text.charCodeAt(j + 2))))) {
        j += 2;
        while (j < to && isDigit(text.charCodeAt(j))) j++;
      }
      // `1abc` is an identifier in MySQL (a name may start with a digit)
      if (j < to && isWordChar(text.charCodeAt(j)) && text.charCodeAt(j - 1) !== 46) {
        while (j < to && isWordChar(text.charCodeAt(j))) j++;
        push('word', i, j, text.slice(i, j));
      } else push('number', i, j, text.slice(i, j));
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < to && isWordChar(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      // string introducers and prefixed literals: N'x', _utf8mb4'x', X'0F', B'01'
      const next = text.charCodeAt(j);
      if ((next === 39 || (next === 34 && word.startsWith('_'))) && (/^[NXB]$/i.test(word) || word.startsWith('_'))) {
        const r = readQuoted(next, j);
        push('string', i, r.end, r.value);
        i = r.end;
        continue;
      }
      push('word', i, j, word);
      i = j;
      continue;
    }
    const three = text.slice(i, i + 3), two = text.slice(i, i + 2);
    if (OPS3.includes(three)) { push('op', i, i + 3, three); i += 3; continue; }
    if (OPS2.includes(two)) { push('op', i, i + 2, two); i += 2; continue; }
    push('op', i, i + 1, text[i]);
    i++;
  }
  return { tokens, comments, unterminated };
}

/** True when the token is the word `w` (upper-case) or, with `quoted`, also a backtick name equal to it (any case). */
export function isWord(t: MyToken | undefined, w: string): boolean {
  return !!t && t.kind === 'word' && t.upper === w;
}

/** The name a word or `quoted` token stands for, undefined for other tokens. */
export function nameOf(t: MyToken | undefined): string | undefined {
  return t && (t.kind === 'word' || t.kind === 'quoted') ? t.value : undefined;
}
