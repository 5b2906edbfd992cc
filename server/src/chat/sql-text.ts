// Comments out of a piece of SQL source (a column default, a check) before it goes into the chat
// context: `DEFAULT now() -- set by app` is `now()`. Quoted text ('...', "...", `...`, $tag$...$tag$)
// is kept as written, comments inside it included.

/** The text with every -- / # (MySQL) line comment and /* block comment *\/ replaced by one space. */
export function withoutComments(sql: string, hashComments = false): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === ch) { if (sql[j + 1] === ch) { j += 2; continue; } break; }
        if (sql[j] === '\\' && ch !== '"') j++; // E'..\'..' and MySQL's backslash escapes
        j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        const stop = end < 0 ? n : end + m[0].length;
        out += sql.slice(i, stop);
        i = stop;
        continue;
      }
    }
    if ((ch === '-' && sql[i + 1] === '-') || (hashComments && ch === '#')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      out += ' ';
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      // PostgreSQL nests block comments
      let depth = 1, j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') { depth++; j += 2; } else if (sql[j] === '*' && sql[j + 1] === '/') { depth--; j += 2; } else j++;
      }
      out += ' ';
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
