// The first hour (issue #12), seen through the real stdio server: hovers keep every index option
// (DESC, NULLS FIRST/LAST, operator classes, expressions, INCLUDE, WHERE, USING), and
// dbEngineer.explain.codeLens turns the Explain code lenses off. Run `npm run build` first.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Hover } from 'vscode-languageserver-protocol';
import { fileUri, LspClient, ROOT } from './lspClient';
import { INDEX_MIGRATION_REQUEST, SCHEMA_TREE_REQUEST, type IndexMigrationResult, type SchemaTreeResult } from '../server/src/lsp/schema-protocol';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-first-hour-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A copy of a folder (examples/shop, a corpus project) in a temporary workspace: the originals are never written. */
function copyOf(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-first-hour-'));
  dirs.push(dir);
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}

const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

/** Hover over the first occurrence of `word` on the line that contains `marker`. */
async function hoverAt(client: LspClient, file: string, marker: string, word: string): Promise<string> {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(marker));
  assert.ok(line >= 0, `${marker} in ${file}`);
  const uri = fileUri(file);
  await client.open(uri, text, 60_000);
  return hoverText(await client.hover(uri, line, lines[line].indexOf(word, lines[line].indexOf(marker)) + 1));
}

describe('hover on a table keeps each index\'s options', () => {
  test('examples/shop: idx_users_created_at shows created_at DESC', async () => {
    const ws = copyOf(path.join(ROOT, 'examples', 'shop'));
    const client = await LspClient.start({ folder: ws });
    try {
      const md = await hoverAt(client, path.join(ws, 'migrations', '001_create_users.sql'), 'CREATE TABLE users', 'users');
      assert.match(md, /`idx_users_created_at` `btree \(created_at DESC\)`/, md);
      assert.match(md, /`idx_users_email` `btree \(email\)`/, md);
    } finally {
      await client.stop();
    }
  });

  test('NULLS FIRST/LAST, operator classes, expressions, INCLUDE, WHERE and the access method as written', async () => {
    const ws = workspace({
      'migrations/001.sql': [
        'CREATE TABLE events (id bigint PRIMARY KEY, name text, at timestamptz, tags text[], price numeric, qty int);',
        'CREATE INDEX events_at ON events (at DESC NULLS LAST, id NULLS FIRST);',
        'CREATE INDEX events_name ON events USING btree (lower(name) text_pattern_ops) INCLUDE (id) WHERE at IS NOT NULL;',
        'CREATE INDEX events_tags ON ONLY events USING gin (tags);',
        'CREATE INDEX events_total ON events ((price * qty) DESC, name COLLATE "C");',
        '',
      ].join('\n'),
    });
    const client = await LspClient.start({ folder: ws });
    try {
      const md = await hoverAt(client, path.join(ws, 'migrations', '001.sql'), 'CREATE TABLE events', 'events');
      assert.match(md, /`events_at` `btree \(at DESC NULLS LAST, id NULLS FIRST\)`/, md);
      assert.match(md, /`events_name` `btree \(lower\(name\) text_pattern_ops\) INCLUDE \(id\) WHERE at IS NOT NULL`/, md);
      assert.match(md, /`events_tags` `gin \(tags\)`/, md);
      // an expression key is shown, inside code so Markdown does not eat the `*`
      assert.match(md, /`events_total` `btree \(\(price \* qty\) DESC, name COLLATE "C"\)`/, md);
    } finally {
      await client.stop();
    }
  });

  test('after a column rename the key shows the new name with its options; an expression over it falls back to the parse, never the old name', async () => {
    const ws = workspace({
      'migrations/001.sql': [
        'CREATE TABLE people (id bigint PRIMARY KEY, published timestamptz, email text);',
        'CREATE INDEX people_published ON people (published DESC NULLS LAST);',
        'CREATE INDEX people_email ON people (lower(email) text_pattern_ops DESC);',
        '',
      ].join('\n'),
      'migrations/002.sql': 'ALTER TABLE people RENAME COLUMN published TO "publishedAt";\nALTER TABLE people RENAME COLUMN email TO mail;\n',
      'queries/q.sql': 'SELECT id FROM people;\n',
    });
    const client = await LspClient.start({ folder: ws });
    try {
      const md = await hoverAt(client, path.join(ws, 'queries', 'q.sql'), 'FROM people', 'people');
      assert.match(md, /`people_published` `btree \("publishedAt" DESC NULLS LAST\)`/, md);
      assert.match(md, /`people_email` `btree \(\(expression\) text_pattern_ops DESC\)`/, md);
      assert.doesNotMatch(md, /\(published |lower\(email\)/, md);
    } finally {
      await client.stop();
    }
  });

  test('pagila (corpus): the hnsw index keeps its operator class', async (t) => {
    if (!fs.existsSync(path.join(CORPUS, 'pagila'))) { t.skip(`corpus not found at ${CORPUS}`); return; }
    const ws = copyOf(path.join(CORPUS, 'pagila'));
    const client = await LspClient.start({ folder: ws });
    try {
      const md = await hoverAt(client, path.join(ws, 'pagila-schema.sql'), 'CREATE TABLE public.film_embedding', 'film_embedding');
      assert.match(md, /`film_embedding_embedding_hnsw_idx` `hnsw \(embedding public\.vector_cosine_ops\)`/, md);
    } finally {
      await client.stop();
    }
  });
});

describe('dbEngineer.explain.codeLens', () => {
  const QUERIES = 'SELECT id, email FROM users WHERE id = $1;\n';

  test('false: no Explain lenses while the sandbox is on; true again: the lenses are back', async () => {
    const ws = workspace({ 'migrations/001.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n', 'queries/q.sql': QUERIES });
    const settings: Record<string, unknown> = { debounceMs: 5, explain: { codeLens: false } };
    const client = await LspClient.start({ folder: ws, sandbox: true, settings });
    try {
      const q = fileUri(path.join(ws, 'queries', 'q.sql'));
      await client.open(q, QUERIES);
      await client.waitForStatus((s) => s.state === 'ready' && !!s.sandbox && s.sandbox.state !== 'off');
      assert.deepEqual(await client.codeLenses(q), []);
      settings.explain = { codeLens: true };
      await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { dbEngineer: { sandbox: { enabled: true }, ...settings } } });
      let lenses: Awaited<ReturnType<LspClient['codeLenses']>> = [];
      for (let i = 0; i < 100 && !lenses?.length; i++) {
        lenses = await client.codeLenses(q);
        if (!lenses?.length) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(lenses!.map((l) => [l.range.start.line, l.command?.title]), [[0, 'Explain']]);
    } finally {
      await client.stop();
    }
  });

  test('examples/shop: the setting off leaves no lenses on its queries', async () => {
    const ws = copyOf(path.join(ROOT, 'examples', 'shop'));
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { explain: { codeLens: false } } });
    try {
      const file = path.join(ws, 'queries', 'reports.sql');
      const q = fileUri(file);
      await client.open(q, fs.readFileSync(file, 'utf8'));
      await client.waitForStatus((s) => s.state === 'ready' && !!s.sandbox && s.sandbox.state !== 'off');
      assert.deepEqual(await client.codeLenses(q), []);
    } finally {
      await client.stop();
    }
  });
});

describe('Schema view: the written migration and the view count the same recommendations', () => {
  async function counts(folder: string): Promise<{ view: number; message: string; count: number }> {
    const client = await LspClient.start({ folder, createFiles: true });
    try {
      let tree: SchemaTreeResult | undefined;
      for (let i = 0; i < 1200 && (!tree || tree.status === 'not-ready'); i++) {
        tree = await client.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {});
        if (tree.status === 'not-ready') await new Promise((r) => setTimeout(r, 50));
      }
      const m = await client.conn.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, {});
      return { view: tree!.folders[0].recommendations.length, message: m.message, count: m.count };
    } finally {
      await client.stop();
    }
  }

  test('examples/shop: "Index recommendations (4)" and "4 CREATE INDEX statements from 4 recommendations"', async () => {
    const c = await counts(copyOf(path.join(ROOT, 'examples', 'shop')));
    assert.equal(c.view, 4);
    assert.equal(c.count, 4);
    assert.match(c.message, /^4 CREATE INDEX statements from 4 recommendations\b/, c.message);
  });

  test('pagila (corpus): the message counts the view\'s recommendations', async (t) => {
    if (!fs.existsSync(path.join(CORPUS, 'pagila'))) { t.skip(`corpus not found at ${CORPUS}`); return; }
    const c = await counts(copyOf(path.join(CORPUS, 'pagila')));
    assert.ok(c.view > 0, 'pagila has index recommendations');
    const m = /(?:from|None of the) (\d+) (?:index )?recommendations?/.exec(c.message);
    assert.ok(m, c.message);
    assert.equal(Number(m[1]), c.view, c.message);
  });
});

describe('rule documentation: the diagnostic\'s link is the page shipped beside the server', () => {
  async function links(folder: string, file: string): Promise<{ code: string; href: string }[]> {
    const client = await LspClient.start({ folder });
    try {
      const p = await client.open(fileUri(file), fs.readFileSync(file, 'utf8'), 60_000);
      return p.diagnostics.map((d) => ({ code: String(d.code), href: d.codeDescription?.href ?? '' }));
    } finally {
      await client.stop();
    }
  }
  function check(found: { code: string; href: string }[]): void {
    assert.ok(found.length > 0, 'some findings');
    for (const { code, href } of found) {
      assert.ok(href.startsWith('file://'), `${code}: ${href} is a file, not a web page`);
      const page = new URL(href);
      assert.equal(path.basename(page.pathname), `${code}.md`);
      assert.ok(fs.existsSync(page), `${code}: ${page.pathname} exists`);
      assert.equal(path.dirname(page.pathname), path.join(ROOT, 'docs', 'rules'));
    }
  }

  test('examples/shop: every finding of queries/reports.sql links to its docs/rules page', async () => {
    const ws = copyOf(path.join(ROOT, 'examples', 'shop'));
    check(await links(ws, path.join(ws, 'queries', 'reports.sql')));
  });

  test('pagila (corpus): the same', async (t) => {
    if (!fs.existsSync(path.join(CORPUS, 'pagila'))) { t.skip(`corpus not found at ${CORPUS}`); return; }
    const ws = copyOf(path.join(CORPUS, 'pagila'));
    check(await links(ws, path.join(ws, 'pagila-schema.sql')));
  });
});
