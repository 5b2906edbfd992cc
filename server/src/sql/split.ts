// Splits a SQL file into statements the way psql would send them, without a full parse, so that a
// syntax error in one statement never hides the others. Also masks what is not SQL but often sits in
// SQL files (Go/Jinja templates, psql meta-commands and variables, COPY ... FROM stdin data), keeping
// every UTF-16 offset unchanged so that positions in the masked text are positions in the file.

export interface RawStatement {
  /** UTF-16 offset of the statement's first token in the file. */
  start: number;
  /** UTF-16 offset just after the statement (after its `;` when it has one). */
  end: number;
  /** The masked text of the statement, start..end. */
  text: string;
  /** True when template placeholders or psql variables were masked inside it. */
  templated: boolean;
}

export interface SplitResult {
  statements: RawStatement[];
  /** The whole masked file. */
  masked: string;
  /** True when the file contains template placeholders anywhere. */
  templated: boolean;
}

const GO_CONTROL_RE = /^\{\{-?\s*(if|else|end|range|with|define|block|template|break|continue|\/\*)/;
const TEMPLATE_RE = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g;

function fill(len: number, ch: string): string { return ch.repeat(Math.max(0, len)); }

const GOOSE_ENVSUB_RE = /^[ \t]*--[ \t]*\+goose[ \t]+ENVSUB[ \t]+(ON|OFF)\b/gim;
/** goose's environment placeholders: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}... */
const ENV_PLACEHOLDER_RE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?=+-][^}\n]*)?\}/g;

/**
 * Between `-- +goose ENVSUB ON` and `-- +goose ENVSUB OFF` (or the file's end), goose replaces
 * `${NAME}` with an environment variable before running the SQL: mask those like other placeholders.
 */
function maskGooseEnvsub(text: string, marks: Uint8Array): string {
  if (text.indexOf('${') < 0 || !/ENVSUB/i.test(text)) return text;
  const regions: [number, number][] = [];
  let on = -1;
  GOOSE_ENVSUB_RE.lastIndex = 0;
  for (let m = GOOSE_ENVSUB_RE.exec(text); m; m = GOOSE_ENVSUB_RE.exec(text)) {
    if (m[1].toUpperCase() === 'ON') { if (on < 0) on = m.index; }
    else if (on >= 0) { regions.push([on, m.index]); on = -1; }
  }
  if (on >= 0) regions.push([on, text.length]);
  if (!regions.length) return text;
  return text.replace(ENV_PLACEHOLDER_RE, (m, offset: number) => {
    if (!regions.some(([a, b]) => offset >= a && offset < b)) return m;
    for (let i = 0; i < m.length; i++) marks[offset + i] = 1;
    return '_'.repeat(m.length);
  });
}

/** Replaces template placeholders with identifier characters of the same length (newlines kept). */
export function maskTemplates(original: string, marks: Uint8Array): string {
  const text = maskGooseEnvsub(original, marks);
  if (text.indexOf('{{') < 0 && text.indexOf('{%') < 0 && text.indexOf('{#') < 0) return text;
  return text.replace(TEMPLATE_RE, (m, offset: number) => {
    for (let i = 0; i < m.length; i++) marks[offset + i] = 1;
    // Control blocks (Jinja {% %}, comments, Go {{ if }}/{{ end }}/...) vanish; value placeholders
    // become an identifier of the same length, which is what they stand for in most SQL.
    const control = m.startsWith('{%') || m.startsWith('{#') || GO_CONTROL_RE.test(m);
    return m.replace(/[^\n\r]/g, control ? ' ' : '_');
  });
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

export function splitStatements(original: string): SplitResult {
  const marks = new Uint8Array(original.length);
  const text0 = maskTemplates(original, marks);
  // The per-character copy is made only when something must be masked (most files need nothing).
  let chars: string[] | null = null;
  const writable = (): string[] => chars ?? (chars = text0.split(''));
  const n = text0.length;
  const statements: RawStatement[] = [];
  let stmtStart = -1; // offset of first token of the current statement
  let parenDepth = 0;
  let atomicDepth = 0;
  let caseDepth = 0;
  let prevWord = '';
  let firstWord = '';
  let copyFromStdin = false;
  let sawFrom = false;
  let i = 0;
  let anyTemplated = marks.indexOf(1) >= 0;

  const mask = (from: number, to: number, ch = ' ') => {
    const w = writable();
    for (let k = from; k < to; k++) if (w[k] !== '\n' && w[k] !== '\r') w[k] = ch;
  };
  const finish = (end: number) => {
    if (stmtStart >= 0) {
      let e = end;
      // trim trailing whitespace
      while (e > stmtStart && /\s/.test(chars ? chars[e - 1] : text0[e - 1])) e--;
      statements.push({ start: stmtStart, end: e, text: '', templated: false });
    }
    stmtStart = -1; parenDepth = 0; atomicDepth = 0; caseDepth = 0; prevWord = ''; firstWord = '';
    const wasCopy = copyFromStdin;
    copyFromStdin = false; sawFrom = false;
    return wasCopy;
  };
  const begin = (at: number) => { if (stmtStart < 0) stmtStart = at; };
  /** Skips COPY ... FROM stdin data up to and including the terminating `\.` line. */
  const skipCopyData = (from: number): number => {
    let p = from;
    // data starts on the next line
    while (p < n && text0[p] !== '\n') p++;
    const dataStart = p;
    while (p < n) {
      const lineEnd = text0.indexOf('\n', p + 1);
      const lineStartPos = p + 1;
      const stop = lineEnd < 0 ? n : lineEnd;
      const line = text0.slice(lineStartPos, stop).trim();
      if (line === '\\.') { mask(dataStart, stop); return stop; }
      p = stop;
      if (lineEnd < 0) break;
    }
    mask(dataStart, n);
    return n;
  };

  while (i < n) {
    const c = text0.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) { i++; continue; }
    // a UTF-8 byte order mark opening the file: not part of the SQL (kept in the text, so offsets and fixes keep it)
    if (c === 0xfeff && i === 0) { i++; continue; }
    // -- comment
    if (c === 45 && text0.charCodeAt(i + 1) === 45) {
      while (i < n && text0.charCodeAt(i) !== 10) i++;
      continue;
    }
    // /* nested comment */
    if (c === 47 && text0.charCodeAt(i + 1) === 42) {
      const from = i;
      let depth = 1; i += 2;
      while (i < n && depth > 0) {
        if (text0.charCodeAt(i) === 47 && text0.charCodeAt(i + 1) === 42) { depth++; i += 2; }
        else if (text0.charCodeAt(i) === 42 && text0.charCodeAt(i + 1) === 47) { depth--; i += 2; }
        else i++;
      }
      // Never closed: PostgreSQL rejects the file ("unterminated /* comment"), so the comment is a
      // statement of its own for the parser to report, not text that silently swallows the rest.
      if (depth > 0) begin(from);
      continue;
    }
    // psql meta-command: backslash to end of line; it ends the statement in progress
    if (c === 92) {
      let e = i;
      while (e < n && text0.charCodeAt(e) !== 10) e++;
      mask(i, e);
      if (stmtStart >= 0) finish(i);
      anyTemplated = true;
      i = e;
      continue;
    }
    begin(i);
    // string literals: '...', E'...', with '' escapes (E-strings also take backslash escapes)
    if (c === 39) {
      const escapes = i > 0 && (text0[i - 1] === 'E' || text0[i - 1] === 'e') && (i < 2 || !isIdentChar(text0.charCodeAt(i - 2)));
      i++;
      while (i < n) {
        const d = text0.charCodeAt(i);
        if (escapes && d === 92) { i += 2; continue; }
        if (d === 39) {
          if (text0.charCodeAt(i + 1) === 39) { i += 2; continue; }
          i++; break;
        }
        i++;
      }
      prevWord = '';
      continue;
    }
    // quoted identifier
    if (c === 34) {
      i++;
      while (i < n) {
        if (text0.charCodeAt(i) === 34) {
          if (text0.charCodeAt(i + 1) === 34) { i += 2; continue; }
          i++; break;
        }
        i++;
      }
      prevWord = '"';
      continue;
    }
    // dollar-quoted string
    if (c === 36) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text0.slice(i, i + 64));
      if (m && !(i > 0 && isIdentChar(text0.charCodeAt(i - 1)))) {
        const tag = m[0];
        const close = text0.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        prevWord = '';
        continue;
      }
      i++;
      continue;
    }
    // psql variables :name, :'name', :"name" (not :: casts, not := assignments)
    if (c === 58) {
      const next = text0.charCodeAt(i + 1);
      const prev = i > 0 ? text0.charCodeAt(i - 1) : 0;
      if (prev !== 58 && next !== 58 && next !== 61) {
        if ((next === 39 || next === 34)) {
          const close = text0.indexOf(String.fromCharCode(next), i + 2);
          const nl = text0.indexOf('\n', i);
          if (close > 0 && (nl < 0 || close < nl) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text0.slice(i + 2, close))) {
            const w = writable();
            w[i] = String.fromCharCode(next);
            for (let k = i + 1; k < close; k++) w[k] = '_';
            w[close] = String.fromCharCode(next);
            for (let k = i; k <= close; k++) marks[k] = 1;
            anyTemplated = true;
            i = close + 1;
            continue;
          }
        } else if (isIdentStart(next) && !(prev === 93 /* ] */ )) {
          let e = i + 1;
          while (e < n && isIdentChar(text0.charCodeAt(e))) e++;
          // inside array slices like a[1:n] a colon is an operator; psql variables never follow '[' or a digit
          const before = text0.slice(Math.max(0, i - 1), i);
          if (!/[0-9\[]/.test(before)) {
            writable()[i] = '_';
            for (let k = i; k < e; k++) marks[k] = 1;
            anyTemplated = true;
            i = e;
            continue;
          }
        }
      }
      i++;
      continue;
    }
    if (c === 40) { parenDepth++; i++; continue; }
    if (c === 41) { if (parenDepth > 0) parenDepth--; i++; continue; }
    if (c === 59) {
      if (parenDepth === 0 && atomicDepth === 0) {
        const copy = finish(i + 1);
        i++;
        if (copy) i = skipCopyData(i - 1);
        continue;
      }
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let e = i + 1;
      while (e < n && isIdentChar(text0.charCodeAt(e))) e++;
      // Only short keywords matter below (atomic, begin, case, end, copy, from, stdin): longer words
      // are not lower-cased, which saves an allocation per identifier.
      const word = e - i <= 6 ? text0.slice(i, e).toLowerCase() : '\u0000';
      if (!firstWord) firstWord = word;
      if (word === 'atomic' && prevWord === 'begin') atomicDepth++;
      else if (atomicDepth > 0 && word === 'case') caseDepth++;
      else if (atomicDepth > 0 && word === 'end') {
        if (caseDepth > 0) caseDepth--; else atomicDepth--;
      }
      if (firstWord === 'copy') {
        if (word === 'from') sawFrom = true;
        else if (sawFrom && word === 'stdin') copyFromStdin = true;
      }
      prevWord = word;
      i = e;
      continue;
    }
    i++;
  }
  if (stmtStart >= 0) {
    const copy = finish(n);
    void copy;
  }
  const masked = chars ? (chars as string[]).join('') : text0;
  const anyMarks = marks.indexOf(1) >= 0;
  for (const s of statements) {
    s.text = masked.slice(s.start, s.end);
    if (anyMarks) for (let k = s.start; k < s.end; k++) if (marks[k]) { s.templated = true; break; }
  }
  return { statements, masked, templated: anyTemplated };
}
