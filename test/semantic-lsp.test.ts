// unknown-relation and unknown-column through the real language server (dist/server.js over stdio):
// on examples/shop (a copy), a typo gets an error over the whole identifier, "did you mean" and a quick
// fix that replaces it; a name renamed two migrations back names its new name; Restricted Mode stays
// silent; on a real project of the corpus valid SQL gets no finding. Run `npm run build` first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { applyTextEdits, editsFor, fileUri, LspClient } from './lspClient';
import { CORPUS, ROOT, lintText, ready } from './helpers';
import { withoutReportedUnknowns } from '../server/src/lsp/unknown-names';
import type { Finding } from '../server/src/model';

const SEMANTIC = new Set(['unknown-relation', 'unknown-column']);
const semantic = (p: PublishDiagnosticsParams): Diagnostic[] => p.diagnostics.filter((d) => SEMANTIC.has(String(d.code)));
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function copyShop(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-semantic-'));
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), dir, { recursive: true });
  dirs.push(dir);
  return dir;
}

/** The range of `needle` (its first occurrence after `from`) in `text`, as LSP positions. */
function rangeOf(text: string, needle: string, from = 0) {
  const at = text.indexOf(needle, from);
  assert.ok(at >= 0, `${needle} not in the text`);
  const pos = (o: number) => { const before = text.slice(0, o).split('\n'); return { line: before.length - 1, character: before[before.length - 1].length }; };
  return { start: pos(at), end: pos(at + needle.length) };
}

describe('unknown names on examples/shop (trusted)', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  before(async () => {
    ws = copyShop();
    client = await LspClient.start({ folder: ws, settings: { debounceMs: 5, sandbox: { enabled: false } } });
  });
  after(async () => { await client?.stop(); });

  test('the example queries, all valid, get no unknown name', async () => {
    const p = await client.open(uri('queries/reports.sql'), read('queries/reports.sql'));
    assert.deepEqual(semantic(p).map((d) => d.message), []);
  });

  test('a typo: an error over o.totl_amount, "did you mean total_amount", a quick fix that replaces it', async () => {
    const u = uri('queries/reports.sql');
    const text = read('queries/reports.sql') + '\nSELECT o.id, o.totl_amount FROM orders o WHERE o.user_id = $1;\n';
    const p = await client.change(u, text);
    const hits = semantic(p);
    assert.equal(hits.length, 1, JSON.stringify(hits));
    const d = hits[0];
    assert.equal(d.code, 'unknown-column');
    assert.equal(d.severity, 1);
    assert.deepEqual(d.range, rangeOf(text, 'o.totl_amount'));
    assert.match(d.message, /did you mean total_amount\?/);
    const actions = await client.codeActions(u, [d]);
    const fix = actions.find((a) => a.title === 'Change to total_amount');
    assert.ok(fix, actions.map((a) => a.title).join(' | '));
    const fixed = applyTextEdits(text, editsFor(fix!.edit, u));
    assert.match(fixed, /SELECT o\.id, o\.total_amount FROM orders o/);
    const after = await client.change(u, fixed);
    assert.deepEqual(semantic(after).map((d) => d.message), []);
  });

  test('a table typo and a column renamed by an earlier migration', async () => {
    const u = uri('queries/more.sql');
    const text = 'SELECT id FROM order_item;\nSELECT u.username FROM users u;\n';
    const p = await client.open(u, text);
    const rel = p.diagnostics.find((d) => d.code === 'unknown-relation');
    assert.ok(rel, JSON.stringify(p.diagnostics));
    assert.deepEqual(rel!.range, rangeOf(text, 'order_item'));
    assert.match(rel!.message, /did you mean order_items\?/);
    const col = p.diagnostics.find((d) => d.code === 'unknown-column');
    assert.ok(col, JSON.stringify(p.diagnostics));
    assert.deepEqual(col!.range, rangeOf(text, 'u.username'));
    assert.match(col!.message, /users\.username was renamed to handle in 003_order_changes\.sql/);
    const fix = (await client.codeActions(u, [col!])).find((a) => a.title === 'Change to handle');
    assert.match(applyTextEdits(text, editsFor(fix!.edit, u)), /SELECT u\.handle FROM users u;/);
  });
});

describe('unknown names in Restricted Mode (open files only)', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));

  before(async () => {
    ws = copyShop();
    client = await LspClient.start({ folder: ws, trusted: false, settings: { debounceMs: 5 } });
  });
  after(async () => { await client?.stop(); });

  test('a table the open files do not define is not reported; a column of a table defined in the same file is', async () => {
    // orders comes from an open migration; suppliers from one that is not open
    await client.open(uri('migrations/002_create_orders.sql'), fs.readFileSync(path.join(ws, 'migrations/002_create_orders.sql'), 'utf8'));
    const u = uri('queries/reports.sql');
    const text = fs.readFileSync(path.join(ws, 'queries/reports.sql'), 'utf8') + '\nSELECT o.totl_amount FROM orders o;\nSELECT s.name FROM suppliers s;\n';
    const p = await client.open(u, text);
    assert.deepEqual(semantic(p).map((d) => d.message), []);
    const local = uri('queries/local.sql');
    const ltext = 'CREATE TABLE notes (id bigint PRIMARY KEY, body text);\nSELECT n.bdy FROM notes n;\n';
    const p2 = await client.open(local, ltext);
    assert.deepEqual(semantic(p2).map((d) => d.range), [rangeOf(ltext, 'n.bdy')]);
  });
});

const documenso = path.join(CORPUS, 'real', 'documenso');
describe('unknown names on a corpus project (documenso, read in place)', { skip: fs.existsSync(documenso) ? false : `corpus not found at ${documenso}` }, () => {
  let client: LspClient;
  const rel = 'packages/prisma/migrations/20240131132916_verify_paid_users/migration.sql';
  const others = [
    'packages/prisma/migrations/20230907080056_add_created_at_and_updated_at_columns/migration.sql',
    'packages/prisma/migrations/20250918070645_add_envelopes/migration.sql',
    'packages/prisma/migrations/20240327074701_add_secondary_verification_id/migration.sql',
    'packages/prisma/migrations/20250710050651_add_email_domains/migration.sql',
  ];

  before(async () => {
    client = await LspClient.start({ folder: documenso, settings: { debounceMs: 5, sandbox: { enabled: false } } });
  });
  after(async () => { await client?.stop(); });

  test('migrations with queries over quoted names: no finding', async () => {
    for (const r of [rel, ...others]) {
      const file = path.join(documenso, r);
      if (!fs.existsSync(file)) continue;
      const p = await client.open(fileUri(file), fs.readFileSync(file, 'utf8'), 60_000);
      assert.deepEqual(semantic(p).map((d) => `${r}: ${d.message}`), []);
    }
  });

  test('the same query with a typo in a quoted column is reported (the rule does judge this project)', async () => {
    const file = path.join(documenso, rel);
    const text = fs.readFileSync(file, 'utf8').replace('SET "emailVerified"', 'SET "emailVerifed"');
    const p = await client.change(fileUri(file), text, 60_000);
    const hits = semantic(p);
    assert.equal(hits.length, 1, JSON.stringify(hits));
    assert.match(hits[0].message, /did you mean emailVerified\?/);
  });
});

describe('the sandbox does not repeat an unknown name the rules report', () => {
  before(ready);
  test('postgres-error "does not exist" on a statement with the same unknown name is dropped; others are kept', () => {
    const text = [
      'CREATE TABLE orders (id bigint PRIMARY KEY, total_amount numeric);',
      'SELECT id FROM ordrs;',
      'SELECT o.totl_amount FROM orders o;',
      'SELECT 1 / 0;',
      'SELECT "Weird" FROM orders;',
      '',
    ].join('\n');
    const { project, findings } = lintText(text);
    const file = project.getFile('/virtual/test.sql')!;
    const at = (needle: string) => text.indexOf(needle);
    const pg = (message: string, needle: string): Finding => ({ rule: 'postgres-error', severity: 'error', message, path: file.path, start: at(needle), end: at(needle) + 6 });
    const sandbox = [
      pg('relation "ordrs" does not exist (SQLSTATE 42P01)', 'SELECT id FROM ordrs'),
      pg('column o.totl_amount does not exist (SQLSTATE 42703)', 'SELECT o.totl'),
      pg('division by zero (SQLSTATE 22012)', 'SELECT 1 / 0'),
      pg('column "Weird" does not exist (SQLSTATE 42703)', 'SELECT "Weird"'),
    ];
    assert.deepEqual(findings.filter((f) => f.rule.startsWith('unknown-')).map((f) => text.slice(f.start, f.end)), ['ordrs', 'o.totl_amount', '"Weird"']);
    const kept = withoutReportedUnknowns(file, findings, sandbox).map((f) => f.message);
    assert.deepEqual(kept, ['division by zero (SQLSTATE 22012)']);
    // without the rules' findings (e.g. the rule is off) the sandbox's stay
    assert.equal(withoutReportedUnknowns(file, findings.filter((f) => !f.rule.startsWith('unknown-')), sandbox).length, 4);
  });
});
