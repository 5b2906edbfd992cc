// A small, self-contained Markdown renderer for untrusted model output. Every character of input text
// goes through escapeHtml; the only markup in the output is the fixed set of tags this file writes
// itself (p, h1-h4, strong, em, code, pre, ul, ol, li, blockquote, table parts, a, div, button, br),
// with a fixed set of attributes (class, data-lang, data-action, data-href, href, rel, title, type).
// Raw HTML in the input is escaped, images are reduced to their alt text, and links survive only with
// an http(s) URL. Rendering any prefix of a reply (e.g. an unclosed ``` fence while streaming) yields
// well-formed HTML because every block is closed by the code that opens it.

const MAX_DEPTH = 12;
const MAX_LINK = 2000; // link text / destination longer than this is not a link (keeps scans linear)

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const SQL_LANGS = new Set(['sql', 'postgresql', 'postgres', 'pgsql', 'plpgsql', 'psql']);

/** True when a fenced block's language tag means SQL (gets Save-as-migration / Apply buttons). */
export function isSqlLang(lang: string): boolean {
  return SQL_LANGS.has(lang.toLowerCase());
}

/** Only absolute http(s) URLs without whitespace, quotes or angle brackets are kept as links. */
export function safeHref(raw: string): string | null {
  const url = raw.trim();
  if (!/^https?:\/\/[^\s<>"'`\\\u0000-\u001f\u007f]+$/i.test(url)) return null;
  return url;
}

function button(action: string, label: string, title: string): string {
  return `<button type="button" data-action="${action}" title="${title}">${label}</button>`;
}

function codeBlock(lang: string, code: string): string {
  const clean = /^[A-Za-z0-9_+#.-]{1,32}$/.test(lang) ? lang.toLowerCase() : '';
  const sql = clean !== '' && isSqlLang(clean);
  const actions = [
    button('copy', 'Copy', 'Copy to clipboard'),
    button('insert', 'Insert', 'Insert at the cursor'),
    ...(sql ? [button('saveMigration', 'Save as migration', 'Save as a new migration file'), button('applyEdit', 'Apply', 'Apply to the active editor')] : []),
  ].join('');
  return `<div class="code" data-lang="${escapeHtml(clean)}"><div class="code-actions">${actions}</div><pre><code>${escapeHtml(code)}</code></pre></div>`;
}

// ---------------------------------------------------------------------------------------------------
// Inline

const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const WORD = /[A-Za-z0-9]/;

/** Index of the ']' closing the '[' at `open`, or -1. */
function closeBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open, end = Math.min(s.length, open + MAX_LINK); i < end; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/** Index of the ')' closing the '(' at `open`, or -1. */
function closeParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open, end = Math.min(s.length, open + MAX_LINK); i < end; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Parses `[text](dest "title")` starting at the '['. */
function parseLink(s: string, at: number): { text: string; dest: string; end: number } | null {
  const rb = closeBracket(s, at);
  if (rb < 0 || s[rb + 1] !== '(') return null;
  const rp = closeParen(s, rb + 1);
  if (rp < 0) return null;
  let dest = s.slice(rb + 2, rp).trim();
  const titled = /^(\S+)\s+(?:"[^"]*"|'[^']*')$/.exec(dest);
  if (titled) dest = titled[1];
  if (dest.startsWith('<') && dest.endsWith('>')) dest = dest.slice(1, -1);
  return { text: s.slice(at + 1, rb), dest, end: rp + 1 };
}

/** Finds the closing emphasis delimiter `delim` at or after `from`. */
function findClose(s: string, from: number, delim: string): number {
  let i = from;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') { i += 2; continue; }
    if (c === '`') {
      // skip a code span so `a*b` inside it does not close emphasis
      let n = 0;
      while (s[i + n] === '`') n++;
      const end = s.indexOf('`'.repeat(n), i + n);
      i = end < 0 ? i + n : end + n;
      continue;
    }
    if (s.startsWith(delim, i) && !/\s/.test(s[i - 1] ?? ' ')) {
      const after = s[i + delim.length] ?? '';
      // `**` must not be read as two `*` closers, and `_` must not close inside a word (snake_case).
      const doubled = delim.length === 1 && after === delim;
      const inWord = delim[0] === '_' && WORD.test(after);
      if (!doubled && !inWord && i > from) return i;
      if (doubled) { i += 2; continue; }
    }
    i++;
  }
  return -1;
}

export function renderInline(s: string, depth = 0): string {
  if (depth > MAX_DEPTH) return escapeHtml(s);
  let out = '';
  let i = 0;
  // Once no closer for a delimiter exists after position p, none exists after any later position:
  // remembering that keeps runs of unmatched '*' / '_' linear instead of quadratic.
  const noCloseFrom: Record<string, number> = {};
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && PUNCT.test(s[i + 1])) {
      out += escapeHtml(s[i + 1]);
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (s[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const end = s.indexOf(fence, i + n);
      if (end >= 0 && s[end + n] !== '`') {
        let code = s.slice(i + n, end);
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ')) code = code.slice(1, -1);
        out += `<code>${escapeHtml(code)}</code>`;
        i = end + n;
      } else {
        out += escapeHtml(fence);
        i += n;
      }
      continue;
    }
    if (c === '!' && s[i + 1] === '[') {
      const link = parseLink(s, i + 1);
      if (link) {
        // No images, ever: only the alt text survives.
        out += escapeHtml(link.text);
        i = link.end;
        continue;
      }
    }
    if (c === '[') {
      const link = parseLink(s, i);
      if (link) {
        const href = safeHref(link.dest);
        const inner = renderInline(link.text, depth + 1).replace(/<\/?a\b[^>]*>/g, '');
        if (href) {
          const h = escapeHtml(href);
          out += `<a href="${h}" data-href="${h}" rel="noopener noreferrer" title="${h}">${inner}</a>`;
        } else {
          out += inner;
        }
        i = link.end;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const dbl = s[i + 1] === c;
      const delim = dbl ? c + c : c;
      const next = s[i + delim.length] ?? '';
      const prev = s[i - 1] ?? ' ';
      const canOpen = next !== '' && !/\s/.test(next) && !(c === '_' && WORD.test(prev));
      if (canOpen) {
        const from = i + delim.length;
        const close = from >= (noCloseFrom[delim] ?? Infinity) ? -1 : findClose(s, from, delim);
        if (close < 0) noCloseFrom[delim] = Math.min(noCloseFrom[delim] ?? Infinity, from);
        if (close > from) {
          const inner = renderInline(s.slice(i + delim.length, close), depth + 1);
          out += dbl ? `<strong>${inner}</strong>` : `<em>${inner}</em>`;
          i = close + delim.length;
          continue;
        }
      }
      out += escapeHtml(delim);
      i += delim.length;
      continue;
    }
    // Plain run up to the next special character.
    let j = i + 1;
    while (j < s.length && !'\\`![*_'.includes(s[j])) j++;
    out += escapeHtml(s.slice(i, j));
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const BULLET = /^( {0,3})([-*+])\s+(.*)$/;
const ORDERED = /^( {0,3})(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function splitRow(line: string): string[] {
  let t = line.trim();
  if (t.startsWith('|')) t = t.slice(1);
  if (t.endsWith('|') && !t.endsWith('\\|')) t = t.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '\\' && t[i + 1] === '|') { cur += '|'; i++; continue; }
    if (c === '`') inCode = !inCode;
    if (c === '|' && !inCode) { cells.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

function isBlockStart(line: string, next: string | undefined): boolean {
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || ORDERED.test(line) || QUOTE.test(line)
    || RULE.test(line) || (line.includes('|') && next !== undefined && TABLE_SEP.test(next) && next.includes('-'));
}

function renderBlocks(lines: string[], depth: number): string {
  if (depth > MAX_DEPTH) return `<p>${escapeHtml(lines.join('\n'))}</p>`;
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') { i++; continue; }

    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const close = lines[i].trim();
        if (close.startsWith(marker[0].repeat(marker.length)) && new RegExp(`^\\${marker[0]}+$`).test(close)) { i++; break; }
        body.push(lines[i]);
        i++;
      }
      // An unclosed fence (streaming) simply runs to the end of the input.
      out.push(codeBlock(fence[2], body.join('\n')));
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length, 4);
      out.push(`<h${level}>${renderInline(heading[2] ?? '', depth)}</h${level}>`);
      i++;
      continue;
    }

    if (RULE.test(line)) { i++; continue; }

    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && lines[i].trim() !== '') {
        const q = QUOTE.exec(lines[i]);
        if (q) inner.push(q[1]);
        else if (inner.length && !isBlockStart(lines[i], lines[i + 1])) inner.push(lines[i]); // lazy continuation
        else break;
        i++;
      }
      out.push(`<blockquote>${renderBlocks(inner, depth + 1)}</blockquote>`);
      continue;
    }

    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      const re = bullet ? BULLET : ORDERED;
      const tag = bullet ? 'ul' : 'ol';
      const items: string[][] = [];
      const indent = (bullet ?? ordered)![1].length;
      while (i < lines.length) {
        const m = re.exec(lines[i]);
        if (m && m[1].length <= indent + 1) {
          items.push([m[3]]);
          i++;
          continue;
        }
        const cur = lines[i];
        if (cur.trim() === '') {
          // a blank line continues the list only if an indented line or another item follows
          const nxt = lines[i + 1];
          if (nxt !== undefined && (re.test(nxt) || /^\s{2,}\S/.test(nxt))) { items[items.length - 1].push(''); i++; continue; }
          break;
        }
        if (/^\s{2,}/.test(cur)) { items[items.length - 1].push(cur.replace(/^ {1,4}|^\t/, '')); i++; continue; }
        if (isBlockStart(cur, lines[i + 1])) break;
        items[items.length - 1].push(cur); // lazy continuation of the item's paragraph
        i++;
      }
      const lis = items.map((item) => {
        const simple = item.every((l, k) => k === 0 || (!isBlockStart(l, item[k + 1]) && l.trim() !== ''));
        return simple ? `<li>${renderInline(item.join('\n'), depth)}</li>` : `<li>${renderBlocks(item, depth + 1)}</li>`;
      });
      out.push(`<${tag}>${lis.join('')}</${tag}>`);
      continue;
    }

    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const head = splitRow(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim() !== '' && lines[i].includes('|')) {
        rows.push(splitRow(lines[i]));
        i++;
      }
      const th = head.map((c) => `<th>${renderInline(c, depth)}</th>`).join('');
      const body = rows.map((r) => {
        const cells: string[] = [];
        for (let k = 0; k < head.length; k++) cells.push(`<td>${renderInline(r[k] ?? '', depth)}</td>`);
        return `<tr>${cells.join('')}</tr>`;
      }).join('');
      out.push(`<table><thead><tr>${th}</tr></thead>${body ? `<tbody>${body}</tbody>` : ''}</table>`);
      continue;
    }

    // Paragraph: runs until a blank line or the start of another block.
    const para: string[] = [line];
    i++;
    while (i < lines.length && lines[i].trim() !== '' && !isBlockStart(lines[i], lines[i + 1])) {
      para.push(lines[i]);
      i++;
    }
    out.push(`<p>${para.map((l) => renderInline(l.trim(), depth)).join('<br>')}</p>`);
  }
  return out.join('\n');
}

/** Renders untrusted Markdown to safe HTML (see the header comment for what can appear). */
export function renderMarkdown(src: string): string {
  const text = String(src ?? '').replace(/\r\n?/g, '\n').replace(/\u0000/g, '\uFFFD');
  return renderBlocks(text.split('\n'), 0);
}
