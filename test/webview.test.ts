// The chat webview's renderer and HTML shell: renderMarkdown must turn untrusted model output into
// HTML built only from an allowlist of tags and attributes (checked by a small tag scanner below),
// and chatHtml must produce a strict CSP with a per-call nonce.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { escapeHtml, renderMarkdown } from '../client/src/webview/markdown';
import { chatHtml, makeNonce } from '../client/src/webview/html';

const TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'strong', 'em', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'div', 'button', 'br', 'span']);
const ATTRS = new Set(['class', 'data-lang', 'data-action', 'data-href', 'href', 'rel', 'title', 'type']);
const VOID = new Set(['br']);

interface Tag { name: string; closing: boolean; attrs: Array<[string, string]> }

/** A strict scanner: every '<' must start a well-formed tag, every attribute must be name="value". */
function scan(html: string): Tag[] {
  const tags: Tag[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    assert.ok(!html.slice(i, lt).includes('>'), `stray '>' in text near ${JSON.stringify(html.slice(i, lt + 20))}`);
    const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9]*)/.exec(html.slice(lt));
    assert.ok(m, `'<' that does not start a tag near ${JSON.stringify(html.slice(lt, lt + 40))}`);
    const tag: Tag = { name: m[2].toLowerCase(), closing: m[1] === '/', attrs: [] };
    let j = lt + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(html.slice(j))![0];
      j += ws.length;
      if (html[j] === '>') { j++; break; }
      assert.ok(!tag.closing, 'closing tag with attributes');
      const a = /^([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"/.exec(html.slice(j));
      assert.ok(a && ws.length > 0, `malformed attribute in ${JSON.stringify(html.slice(lt, j + 40))}`);
      assert.ok(!a[2].includes('<') && !a[2].includes('>'), 'raw angle bracket in attribute value');
      tag.attrs.push([a[1].toLowerCase(), a[2]]);
      j += a[0].length;
    }
    tags.push(tag);
    i = j;
  }
  assert.ok(!html.slice(i).includes('>'), 'stray > at end');
  return tags;
}

function decode(v: string): string {
  return v.replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d))).replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Checks the allowlists, tag balance and hrefs; returns the tags for further assertions. */
function assertSafe(html: string): Tag[] {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /<iframe|<style|<svg|<object|<embed|<form|<input/i);
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    assert.doesNotMatch(tag, /\son[a-z]+\s*=/i, tag);
    assert.doesNotMatch(tag, /style\s*=/i, tag);
    assert.doesNotMatch(tag, /javascript:/i, tag);
  }
  const tags = scan(html);
  const stack: string[] = [];
  for (const t of tags) {
    assert.ok(TAGS.has(t.name), `tag <${t.name}> not allowed`);
    for (const [name, value] of t.attrs) {
      assert.ok(ATTRS.has(name), `attribute ${name} not allowed on <${t.name}>`);
      if (name === 'href' || name === 'data-href') {
        const url = decode(value);
        assert.match(url, /^https?:\/\//i, `href ${url}`);
        assert.doesNotMatch(url, /javascript:|data:|vbscript:|file:/i);
      }
    }
    if (VOID.has(t.name)) continue;
    if (t.closing) assert.equal(stack.pop(), t.name, `unbalanced </${t.name}>`);
    else stack.push(t.name);
  }
  assert.deepEqual(stack, [], 'unclosed tags');
  return tags;
}

const text = (html: string): string => decode(html.replace(/<[^>]*>/g, ''));

const HOSTILE = [
  'Here is a reply.',
  '',
  '<script>alert(1)</script>',
  '',
  '<img src=x onerror=alert(1)>',
  '',
  '[click](javascript:alert(1)) and [x](JAVASCRIPT:alert(1)) and [x](  javascript:alert(1))',
  '[x](data:text/html,<script>alert(1)</script>) [v](vbscript:msgbox) [f](file:///etc/passwd) [rel](/relative)',
  '![img](https://evil/x.png) ![alt2](javascript:alert(1))',
  '<a href="javascript:alert(1)">raw link</a>',
  '[quote](https://ok.example/" onmouseover="x) " onmouseover="x',
  '[nested [brackets](https://a.example)](https://b.example)',
  '**bold *italic `code <b>` still*** and __under__ _em_ snake_case_name',
  '<style>body{}</style> <div style="x">',
  '',
  '| a <b> | b |',
  '|---|---|',
  '| <script>x</script> | [y](javascript:1) |',
  '',
  '> quote <iframe src=x>',
  '> > nested **quote**',
  '',
  '- item <svg onload=1>',
  '  - nested [a](https://n.example)',
  '1. one',
  '2. two',
  '',
  '```sql" onmouseover="x',
  'select 1; </code></pre><script>alert(1)</script>',
  '```',
  '',
  '```<script>',
  'x',
  '```',
  '',
  '```sql',
  'select * from t where a < 1 and b = \'</code>\';',
].join('\n'); // the last fence is unclosed, as while streaming

describe('renderMarkdown: safety', () => {
  test('a hostile reply renders with only allowlisted tags and attributes', () => {
    const html = renderMarkdown(HOSTILE);
    const tags = assertSafe(html);
    const hrefs = tags.flatMap((t) => t.attrs.filter(([n]) => n === 'href').map(([, v]) => decode(v)));
    assert.ok(hrefs.includes('https://n.example') && hrefs.includes('https://b.example'), JSON.stringify(hrefs));
    assert.ok(!hrefs.some((h) => /"|\s/.test(h)), `hrefs ${JSON.stringify(hrefs)}`);
    // the hostile text survives as visible, escaped text
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.ok(text(html).includes('click'));
    assert.ok(!text(html).includes('https://evil/x.png'), 'image URL is dropped');
    assert.ok(text(html).includes('img'), 'image alt text kept');
  });

  test('every prefix of a hostile reply (streaming) is well-formed and safe', () => {
    for (let n = 0; n <= HOSTILE.length; n += 7) assertSafe(renderMarkdown(HOSTILE.slice(0, n)));
    assertSafe(renderMarkdown(HOSTILE));
  });

  test('link schemes: only http(s) survive, whatever the case or padding', () => {
    for (const src of ['[x](javascript:alert(1))', '[x](JAVASCRIPT:alert(1))', '[x](  javascript:alert(1))', '[x](java\tscript:alert(1))',
      '[x](data:text/html,<b>hi</b>)', '[x](vbscript:x)', '[x](file:///etc/passwd)', '[x](//evil.example)', '[x](#frag)', '[x](mailto:a@b.c)',
      '[x](&#106;avascript:alert(1))', '[x](https://ok.example/"onmouseover="x)', '[x](<javascript:alert(1)>)']) {
      const html = renderMarkdown(src);
      assertSafe(html);
      assert.doesNotMatch(html, /<a /, src);
      assert.ok(text(html).includes('x'), src);
    }
  });

  test('code block content cannot break out of <pre><code>', () => {
    const html = renderMarkdown('```sql\n</code></pre><script>alert(1)</script>\n```');
    assertSafe(html);
    assert.match(html, /<pre><code>&lt;\/code&gt;&lt;\/pre&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/code><\/pre>/);
  });

  test('odd and deeply nested markdown stays well-formed', () => {
    const odd = [
      '*'.repeat(200), '_'.repeat(50) + 'x', '['.repeat(100) + 'x' + ']'.repeat(100) + '(https://a.example)', '`'.repeat(7),
      '> '.repeat(60) + 'deep', '- '.repeat(40) + 'list', '**a *b** c*', '| | |\n|-|-|\n| | |', '#', '####### seven', '\\<script\\>',
      '1) a\n   ```sql\n   select 1;\n   ```\n2) b', '```\nunclosed plain', 'x\u0000y', '~~~sql\nselect 2;\n~~~',
    ];
    for (const s of odd) assertSafe(renderMarkdown(s));
  });

  test('escapeHtml escapes all five characters', () => {
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('renderMarkdown: rendering', () => {
  test('headings, paragraphs, emphasis, inline code', () => {
    const html = renderMarkdown('# Title\n## Sub\n### Three\n#### Four\n##### Five\n\nSome **bold** and *italic* and `a < b` text.\nsecond line');
    assertSafe(html);
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<h2>Sub<\/h2>/);
    assert.match(html, /<h3>Three<\/h3>/);
    assert.match(html, /<h4>Four<\/h4>/);
    assert.match(html, /<h4>Five<\/h4>/);
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<em>italic<\/em>/);
    assert.match(html, /<code>a &lt; b<\/code>/);
    assert.match(html, /<p>Some .*<br>second line<\/p>/);
  });

  test('snake_case identifiers are not emphasis', () => {
    const html = renderMarkdown('use user_id and order_items_id');
    assert.doesNotMatch(html, /<em>/);
    assert.match(html, /user_id and order_items_id/);
  });

  test('lists, nested lists, blockquotes', () => {
    const html = renderMarkdown('- a\n- b\n  - c\n\n1. one\n2. two\n\n> quoted **text**');
    assertSafe(html);
    assert.match(html, /<ul><li>a<\/li><li>/);
    assert.match(html, /<ul><li>c<\/li><\/ul>/);
    assert.match(html, /<ol><li>one<\/li><li>two<\/li><\/ol>/);
    assert.match(html, /<blockquote><p>quoted <strong>text<\/strong><\/p><\/blockquote>/);
  });

  test('pipe tables', () => {
    const html = renderMarkdown('| col | type |\n|:---|---:|\n| id | `bigint` |\n| name | text |');
    assertSafe(html);
    assert.match(html, /<table><thead><tr><th>col<\/th><th>type<\/th><\/tr><\/thead><tbody><tr><td>id<\/td><td><code>bigint<\/code><\/td><\/tr><tr><td>name<\/td><td>text<\/td><\/tr><\/tbody><\/table>/);
  });

  test('https links are kept with rel and data-href, no target', () => {
    const html = renderMarkdown('See [the docs](https://www.postgresql.org/docs/current/sql-createindex.html "title").');
    assertSafe(html);
    assert.match(html, /<a href="https:\/\/www\.postgresql\.org\/docs\/current\/sql-createindex\.html" data-href="https:\/\/www\.postgresql\.org\/docs\/current\/sql-createindex\.html" rel="noopener noreferrer"[^>]*>the docs<\/a>/);
    assert.doesNotMatch(html, /target=/);
  });

  test('an sql fence gets four buttons and escaped content', () => {
    const html = renderMarkdown("```sql\nCREATE INDEX CONCURRENTLY ix ON t (a) WHERE b <> 'x';\n```");
    const tags = assertSafe(html);
    assert.ok(html.startsWith('<div class="code" data-lang="sql"><div class="code-actions">'));
    const actions = tags.filter((t) => t.name === 'button' && !t.closing).map((t) => t.attrs.find(([n]) => n === 'data-action')?.[1]);
    assert.deepEqual(actions, ['copy', 'insert', 'saveMigration', 'applyEdit']);
    assert.match(html, /<\/div><pre><code>CREATE INDEX CONCURRENTLY ix ON t \(a\) WHERE b &lt;&gt; &#39;x&#39;;<\/code><\/pre><\/div>$/);
  });

  test('a non-sql fence gets only copy and insert', () => {
    for (const src of ['```ts\nconst a = 1 < 2;\n```', '```\nplain\n```']) {
      const html = renderMarkdown(src);
      const tags = assertSafe(html);
      const actions = tags.filter((t) => t.name === 'button' && !t.closing).map((t) => t.attrs.find(([n]) => n === 'data-action')?.[1]);
      assert.deepEqual(actions, ['copy', 'insert'], src);
    }
    assert.match(renderMarkdown('```ts\nx\n```'), /data-lang="ts"/);
  });

  test('an unclosed fence while streaming renders the partial code', () => {
    const html = renderMarkdown('Try this:\n\n```sql\nSELECT *\nFROM orders');
    assertSafe(html);
    assert.match(html, /<pre><code>SELECT \*\nFROM orders<\/code><\/pre><\/div>$/);
  });
});

describe('chatHtml', () => {
  test('strict CSP with the nonce; the script carries the nonce', () => {
    const nonce = makeNonce();
    const html = chatHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce, scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/chat.css' });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(csp);
    assert.equal(csp, `default-src 'none'; img-src https://file+.vscode-resource.vscode-cdn.net; style-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-${nonce}'; font-src https://file+.vscode-resource.vscode-cdn.net;`);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/dist/webview.js"></script>`));
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/media/chat.css">'));
    assert.ok(html.includes('<div id="app"></div>'));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });

  test('makeNonce: 32 url-safe characters, different per call', () => {
    const seen = new Set<string>();
    for (let k = 0; k < 50; k++) {
      const n = makeNonce();
      assert.match(n, /^[A-Za-z0-9_-]{32}$/);
      seen.add(n);
    }
    assert.equal(seen.size, 50);
  });
});
