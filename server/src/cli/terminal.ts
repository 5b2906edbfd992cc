// What the CLI prints can hold text it did not write: identifiers and file names from the user's
// SQL, PostgreSQL's messages, a model's answer. A control character in it would be obeyed by the
// terminal (`\x1b]0;…\x07` retitles the window, `\x1b[2J` clears it, U+009B is a one-byte CSI,
// U+202E reverses the line's text), so every character of that kind is written out as a visible
// escape instead. The escape `\u001b` is also a valid JSON string escape for the same character,
// so JSON and SARIF output stays the same document after this (decision 0013).

// C0 controls but tab and newline (a carriage return only before a newline), DEL, C1 controls,
// and the bidirectional embeddings, overrides and isolates.
const UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

/** `s` with every terminal control character written as `\uXXXX`. Idempotent. */
export function terminalSafe(s: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
