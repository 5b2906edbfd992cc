// Format Document / Format Selection through the real stdio server (dist/server.js): examples/shop and
// a corpus project (lemmy). Run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TextEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, fileUri, LspClient, ROOT } from './lspClient';
import { initParser, parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { CORPUS } from './helpers';

const dirs: string[] = [];
const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
before(initParser);

function copyOf(src: string, extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-format-'));
  dirs.push(dir);
  fs.cpSync(src, dir, { recursive: true });
  for (const [rel, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, rel), text);
  return dir;
}

/** A server on the folder, once it has read every file (formatting waits for that: it must know which migrations have run). */
async function start(folder: string, settings: Record<string, unknown> = {}): Promise<LspClient> {
  const c = await LspClient.start({ folder, settings });
  clients.push(c);
  await c.waitForStatus((s) => s.state === 'ready', 120_000);
  return c;
}

const OPTIONS = { tabSize: 2, insertSpaces: true };
function formatting(c: LspClient, uri: string, options = OPTIONS): Promise<TextEdit[] | null> {
  return c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options });
}
function rangeFormatting(c: LspClient, uri: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): Promise<TextEdit[] | null> {
  return c.conn.sendRequest('textDocument/rangeFormatting', { textDocument: { uri }, range, options: OPTIONS });
}

const REPORTS_FORMATTED = `-- Queries the application runs.
SELECT
  *
FROM
  orders
WHERE
  user_id = $1;

SELECT
  id,
  email
FROM
  users
WHERE
  lower(email) = lower($1);

SELECT
  id,
  name
FROM
  products
WHERE
  name LIKE '%phone%';

SELECT
  id,
  total_amount
FROM
  orders
WHERE
  shipped_at = NULL;

SELECT
  id
FROM
  orders
ORDER BY
  random()
LIMIT
  10;

SELECT
  id,
  email
FROM
  users
LIMIT
  20;

SELECT
  u.id,
  u.email
FROM
  users u
WHERE
  u.id NOT IN (
    SELECT
      o.user_id
    FROM
      orders o
    WHERE
      o.status = 'refunded'
  );

DELETE FROM user_sessions;

-- Revenue per country and product category, for the monthly report.
SELECT
  u.country,
  p.category,
  count(*) AS orders,
  sum(oi.quantity * oi.unit_price) AS revenue
FROM
  orders o
  JOIN users u ON u.id = o.user_id
  JOIN order_items oi ON oi.order_id = o.id
  JOIN products p ON p.id = oi.product_id
GROUP BY
  u.country,
  p.category;
`;

describe('formatting on examples/shop', () => {
  let c: LspClient;
  let ws: string;
  before(async () => {
    ws = copyOf(path.join(ROOT, 'examples', 'shop'));
    c = await start(ws);
  });

  test('the server offers document and range formatting', () => {
    assert.equal(c.capabilities.documentFormattingProvider, true);
    assert.equal(c.capabilities.documentRangeFormattingProvider, true);
  });

  test('Format Document on queries/reports.sql gives the formatted file, one edit per changed statement', async () => {
    const uri = fileUri(path.join(ws, 'queries', 'reports.sql'));
    const text = fs.readFileSync(path.join(ws, 'queries', 'reports.sql'), 'utf8');
    await c.open(uri, text);
    const edits = (await formatting(c, uri))!;
    assert.equal(applyTextEdits(text, edits), REPORTS_FORMATTED);
    assert.equal(edits.length, 8, 'DELETE FROM user_sessions; is already formatted: no edit for it');
    await c.change(uri, REPORTS_FORMATTED);
    assert.deepEqual(await formatting(c, uri), [], 'formatting the formatted file changes nothing');
  });

  test('a statement with a syntax error is left as is (and the output log says why); the others are formatted', async () => {
    const uri = fileUri(path.join(ws, 'queries', 'draft.sql'));
    const text = 'select id, email from users;\n\nselect id, from users where;\n\nselect id from orders;\n';
    await c.open(uri, text);
    const out = applyTextEdits(text, (await formatting(c, uri))!);
    assert.equal(out, 'select\n  id,\n  email\nfrom\n  users;\n\nselect id, from users where;\n\nselect\n  id\nfrom\n  orders;\n');
    assert.ok(c.logs.some((l) => /Format: 1 statement left as written; line 3: it has a syntax error/.test(l)), c.logs.join('\n'));
  });

  test('Format Selection touches only the statement in the range', async () => {
    const uri = fileUri(path.join(ws, 'queries', 'range.sql'));
    const text = 'select a, b from t;\nselect c, d from u;\nselect e, f from v;\n';
    await c.open(uri, text);
    const edits = (await rangeFormatting(c, uri, { start: { line: 1, character: 2 }, end: { line: 1, character: 4 } }))!;
    assert.equal(edits.length, 1);
    assert.equal(applyTextEdits(text, edits), 'select a, b from t;\nselect\n  c,\n  d\nfrom\n  u;\nselect e, f from v;\n');
  });

  test('a migration with a $$ function body keeps the body byte for byte (dbEngineer.format.case upper)', async () => {
    const u = await start(ws, { format: { case: 'upper' } });
    const file = path.join(ws, 'migrations', '004_catalog_and_events.sql');
    const text = fs.readFileSync(file, 'utf8');
    const uri = fileUri(file);
    await u.open(uri, text);
    const out = applyTextEdits(text, (await formatting(u, uri))!);
    const body = text.slice(text.indexOf('$$'), text.lastIndexOf('$$') + 2);
    assert.ok(body.includes('EXECUTE'), 'the fixture has its body');
    assert.ok(out.includes(`CREATE FUNCTION purge_rows (p_table TEXT, p_user BIGINT) RETURNS void LANGUAGE plpgsql AS ${body};`), out);
    assert.ok(out.includes('INSERT INTO\n  suppliers (name, phone1, product_ids)\nVALUES'), out);
    assert.ok(out.includes('product_ids TEXT -- comma-separated ids of the products it delivers'), 'the comment in CREATE TABLE stays');
  });

  test('a migration that has already run (001) is left as written, with a message saying why', async () => {
    const file = path.join(ws, 'migrations', '001_create_users.sql');
    const uri = fileUri(file);
    await c.open(uri, fs.readFileSync(file, 'utf8'));
    assert.deepEqual(await formatting(c, uri), []);
    assert.ok(c.messages.some((m) => /does not format migrations\/001_create_users.sql, a migration that has already run/.test(m.message)), JSON.stringify(c.messages));
  });

  test('.dbe.json "format" gives the keyword case and indentation the CLI uses', async () => {
    const ws2 = copyOf(path.join(ROOT, 'examples', 'shop'), { '.dbe.json': JSON.stringify({ format: { keywordCase: 'lower', tabSize: 4 } }) });
    const d = await start(ws2);
    const uri = fileUri(path.join(ws2, 'queries', 'one.sql'));
    await d.open(uri, 'SELECT id FROM users;\n');
    assert.equal(applyTextEdits('SELECT id FROM users;\n', (await formatting(d, uri))!), 'select\n    id\nfrom\n    users;\n');
  });
});

const LOCATIONS = new Set(['location', 'stmt_location', 'stmt_len', 'list_start', 'list_end', 'rexpr_list_start', 'rexpr_list_end', 'name_location']);
const tree = (text: string) => JSON.stringify(parseStatement(text).node, (k, v) => (LOCATIONS.has(k) ? undefined : v));

describe('formatting on corpus projects', () => {
  const pagila = path.join(CORPUS, 'pagila');
  const lemmy = path.join(CORPUS, 'lemmy');
  test('Format Document on pagila-schema.sql: every statement parses as before, $$ bodies kept, twice changes nothing', { skip: fs.existsSync(pagila) ? false : `corpus not found at ${pagila}` }, async () => {
    const ws = copyOf(pagila);
    const c = await start(ws);
    const file = path.join(ws, 'pagila-schema.sql');
    const text = fs.readFileSync(file, 'utf8');
    const uri = fileUri(file);
    await c.open(uri, text);
    const edits = (await formatting(c, uri))!;
    assert.ok(edits.length > 50, `statements formatted: ${edits.length}`);
    const out = applyTextEdits(text, edits);
    const before = splitStatements(text).statements;
    const afterSplit = splitStatements(out).statements;
    assert.equal(afterSplit.length, before.length);
    for (let i = 0; i < before.length; i++) assert.equal(tree(afterSplit[i].text), tree(before[i].text), `statement ${i + 1}`);
    const bodies = [...text.matchAll(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g)];
    assert.ok(bodies.length >= 5, 'pagila has function bodies');
    for (const m of bodies) assert.ok(out.includes(m[0]), 'a dollar-quoted body is kept byte for byte');
    await c.change(uri, out);
    assert.deepEqual(await formatting(c, uri), []);
  });

  test('lemmy: a migration that has already run is not formatted, and the user is told why', { skip: fs.existsSync(lemmy) ? false : `corpus not found at ${lemmy}` }, async () => {
    const ws = copyOf(lemmy);
    const c = await start(ws);
    const file = path.join(ws, 'migrations_2019-02-26-002946_create_user_up.sql');
    const uri = fileUri(file);
    await c.open(uri, fs.readFileSync(file, 'utf8'));
    assert.deepEqual(await formatting(c, uri), []);
    assert.ok(c.messages.some((m) => /does not format .*a migration that has already run/.test(m.message)), JSON.stringify(c.messages));
  });
});
