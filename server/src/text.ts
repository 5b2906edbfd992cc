// Positions. The engine works in UTF-16 offsets into a file's text (what JavaScript strings and LSP
// use); libpg-query reports UTF-8 byte offsets into the statement it was given. These helpers convert.

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

/** Line starts of a text, for offset <-> position conversion in O(log n). */
export class LineIndex {
  private readonly starts: number[];
  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }
  get lineCount(): number { return this.starts.length; }
  position(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
  offset(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line];
    const next = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, pos.character), next);
  }
  range(start: number, end: number): Range { return { start: this.position(start), end: this.position(end) }; }
  lineStart(line: number): number { return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]; }
  lineText(line: number): string {
    const s = this.lineStart(line);
    const e = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return this.text.slice(s, e).replace(/\r?\n$|\r$/, '');
  }
}

/** True when every UTF-16 unit of s is ASCII (byte offsets equal UTF-16 offsets). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * Maps UTF-8 byte offsets of a string to UTF-16 offsets. Built only for non-ASCII text.
 */
export class ByteMap {
  private readonly table: Uint32Array | null;
  constructor(readonly text: string) {
    if (isAscii(text)) { this.table = null; return; }
    const bytes: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.codePointAt(i)!;
      const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      for (let k = 0; k < n; k++) bytes.push(i);
      if (c >= 0x10000) i++;
    }
    bytes.push(text.length);
    this.table = Uint32Array.from(bytes);
  }
  toUtf16(byteOffset: number): number {
    if (!this.table) return Math.max(0, Math.min(byteOffset, this.text.length));
    if (byteOffset <= 0) return 0;
    if (byteOffset >= this.table.length) return this.text.length;
    return this.table[byteOffset];
  }
}

/** End of the word or symbol at `at`, for a syntax error's range. */
export function tokenishEnd(text: string, at: number, limit: number): number {
  if (at >= limit) return at;
  let e = at;
  if (/[A-Za-z0-9_$\u0080-\uffff]/.test(text[e])) { while (e < limit && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[e])) e++; }
  else if (text[e] === "'" || text[e] === '"') { const q = text.indexOf(text[e], e + 1); e = q > 0 && q < limit ? q + 1 : Math.min(limit, text.indexOf('\n', e) < 0 ? limit : text.indexOf('\n', e)); }
  else e++;
  return Math.max(e, at + 1);
}

/** UTF-16 offset of the `cp`-th code point of `text` (PostgreSQL counts positions in characters). */
export function codePointsToUtf16(text: string, cp: number): number {
  let i = 0, n = 0;
  while (i < text.length && n < cp) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    n++;
  }
  return i;
}

/** A count with its noun in the right number: "1 error", "2 errors", "1 index", "3 indexes". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
