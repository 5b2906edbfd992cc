// The language server under big inputs (stress): a 5,000-statement document, 1,000 replacements in a
// row, 10,000 findings, 3,000- and 2,000-file workspaces; it stays responsive and publishes only what is
// current. dist/server.js over stdio (test/lspClient.ts). Hostile protocol input is in test/lsp-safety.test.ts.
// The waits are hang detectors (minutes), not speed limits: speed is in bench/ (npm run bench).
// Run `npm run build` first (npm run test:slow does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from '../lspClient';
import { generate } from '../../bench/editor';
import { Project } from '../../server/src/engine/project';
import { initParser } from '../../server/src/sql/parse';
import { SCHEMA_TREE_REQUEST, type SchemaTreeResult } from '../../server/src/lsp/schema-protocol';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-lsp-stress-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const USERS = 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, deleted_at timestamptz);\n';

describe('big inputs: the server stays responsive and publishes only what is current', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  /** 5,000+ statements of a generated migration (bench/editor.ts). */
  const BIG = generate(14_000);

  before(async () => {
    ws = workspace({ 'migrations/000_users.sql': USERS });
    client = await LspClient.start({ folder: ws, settings: { debounceMs: 15 } });
    await client.waitForStatus((s) => s.state === 'ready', 120_000);
  });
  after(async () => { await client.stop(); });

  test('hovers sent while a 5,000-statement document is analysed are answered before its diagnostics arrive', async () => {
    const small = uri('queries/probe.sql');
    await client.open(small, 'SELECT id FROM users;\n');
    const big = uri('migrations/001_big.sql');
    assert.ok((BIG.match(/;\n/g) ?? []).length >= 5000);
    let published = false;
    const diagnostics = client.open(big, BIG, 300_000).then((p) => { published = true; return p; });
    let answeredBefore = 0;
    while (!published) {
      const h = await client.hover(small, 0, 16);
      if (!published) {
        answeredBefore++;
        assert.match(JSON.stringify(h), /users/, 'a real answer, not an empty one');
      }
    }
    const p = await diagnostics;
    assert.ok(p.diagnostics.length > 0);
    assert.ok(answeredBefore >= 3, `hovers answered while the document was analysed: ${answeredBefore}`);
  });

  test('after 1,000 full replacements in quick succession, only the last version\'s diagnostics are published', async () => {
    const big = uri('migrations/002_replaced.sql');
    const text = generate(6000); // ~2,000 statements
    // one stream of 1,000 didChange messages, written straight to the server's stdin (as an editor
    // would send them while a script rewrites the file): nothing of the test runs between them. It is
    // built before the document is opened, so that it follows the first publication at once (building
    // it takes longer than the server needs to re-publish the open documents after the new table).
    const v = 1001;
    const frames = Buffer.concat(Array.from({ length: 1000 }, (_, i) => {
      const body = JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri: big, version: i + 2 }, contentChanges: [{ text: text.replace("'x1'", `'x1_${i}'`) }] } });
      return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }));
    await client.open(big, text, 300_000);
    const from = client.timeline.length;
    client.child.stdin!.write(frames);
    const last = await client.waitFor(big, (p) => p.version === v, 120_000);
    assert.ok(last.diagnostics.length > 0);
    const versions = client.timeline.slice(from).filter((e) => e.method === 'diagnostics' && e.params.uri === big).map((e) => (e.params as PublishDiagnosticsParams).version);
    assert.deepEqual([...new Set(versions)], [v], `published versions: ${versions.join(',')}`);
  });

  test('a document with 10,000 findings publishes at most 500 diagnostics plus one saying how many were left out', async () => {
    const u = uri('queries/many.sql');
    const text = 'SELECT * FROM users WHERE deleted_at = NULL;\n'.repeat(5000); // select-star + equals-null each
    const p = await client.open(u, text, 300_000);
    assert.ok(p.diagnostics.length <= 501, `${p.diagnostics.length} diagnostics`);
    assert.equal(p.diagnostics.length, 501);
    const note = p.diagnostics.at(-1)!;
    assert.match(note.message, /500 of the 10000 findings.*9500 more are left out/);
    assert.equal(note.data, undefined, 'the note carries no fix');
    // the ones shown are the most severe first: equals-null (error) before select-star (warning)
    assert.ok(p.diagnostics.slice(0, 500).every((d) => d.code === 'equals-null'), JSON.stringify([...new Set(p.diagnostics.map((d) => d.code))]));
  });
});

describe('a large workspace is indexed in slices', () => {
  test('requests are answered while 3,000 files are read, and a file deleted meanwhile is not kept', async () => {
    const files: Record<string, string> = { 'migrations/0000_users.sql': USERS };
    for (let i = 1; i <= 3000; i++) files[`migrations/${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id bigint PRIMARY KEY, users_id bigint NOT NULL);\nCREATE INDEX t${i}_users_idx ON t${i} (users_id);\n`;
    const ws = workspace(files);
    const client = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
    try {
      await client.waitForStatus((s) => s.state === 'indexing');
      const q = fileUri(path.join(ws, 'queries/q.sql'));
      await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: q, languageId: 'sql', version: 1, text: 'SELECT id FROM users;\n' } });
      const ready = () => client.statuses.some((s) => s.state === 'ready');
      let answered = 0;
      while (!ready()) {
        await client.hover(q, 0, 16);
        if (!ready()) answered++;
        if (answered === 1) {
          fs.rmSync(path.join(ws, 'migrations/0000_users.sql'));
          await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, 'migrations/0000_users.sql')), type: 3 }] });
        }
      }
      assert.ok(answered >= 2, `hovers answered while indexing: ${answered}`);
      await client.waitFor(q, () => true, 60_000);
      assert.equal(client.statuses.filter((s) => s.state === 'ready').at(-1)!.files, 3001, '3,000 tables and the open query; the users file is gone');
      assert.equal(await client.hover(q, 0, 16), null, 'the deleted file\'s table is gone');
    } finally {
      await client.stop();
    }
  });
});

describe('schema rules and hovers on big workspaces work in slices', () => {
  /** users, then n tables each with a foreign key to it and no index on it (one fk-without-index finding each). */
  function tables(n: number): Record<string, string> {
    const files: Record<string, string> = { 'migrations/0000_users.sql': USERS };
    for (let i = 1; i <= n; i++) files[`migrations/${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id bigint PRIMARY KEY, users_id bigint NOT NULL REFERENCES users (id));\n`;
    return files;
  }

  test('judging the schema of 1,000 tables pauses between tables (no schema rule judges them all in one step)', async () => {
    await initParser();
    const project = new Project();
    for (const [rel, text] of Object.entries(tables(1000))) project.setFile(`/w/${rel}`, text);
    const steps = project.analyzeSteps();
    let afterReplay = 0;
    let r = steps.next();
    while (!r.done) {
      if (project.peekSchema()) afterReplay++; // the statement rules, then the schema rules
      r = steps.next();
    }
    const findings = [...r.value.values()].flat().filter((f) => f.rule === 'fk-without-index');
    assert.equal(findings.length, 1000);
    // 1,001 statements judged one per step; the schema rules add at least one step per table
    assert.ok(afterReplay >= 1001 + 1000, `steps after the replay: ${afterReplay}`);
  });

  test('findings asked for one file are those of a whole-workspace analysis, fixes included', async () => {
    await initParser();
    const project = new Project();
    for (const [rel, text] of Object.entries(tables(50))) project.setFile(`/w/${rel}`, text);
    const target = '/w/migrations/0025_t25.sql';
    const all = project.analyze().get(target);
    const one = project.analyze([target]).get(target);
    assert.ok(all!.some((f) => f.rule === 'fk-without-index' && f.fixes?.length));
    assert.deepEqual(one, all);
  });

  test('after a DDL edit in a 2,000-file workspace, a hover waits for the schema without holding up a request sent after it, and shows the new column', async () => {
    const files = tables(2000);
    files['migrations/2001_orders.sql'] = 'CREATE TABLE orders (id bigint PRIMARY KEY, users_id bigint NOT NULL);\n';
    const ws = workspace(files);
    const client = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
    try {
      await client.waitForStatus((s) => s.state === 'ready', 120_000);
      const probe = fileUri(path.join(ws, 'queries/probe.sql'));
      await client.open(probe, 'SELECT id FROM users;\n', 60_000);
      const orders = fileUri(path.join(ws, 'migrations/2001_orders.sql'));
      await client.open(orders, files['migrations/2001_orders.sql'], 60_000);
      // the edit adds a column: the schema must be replayed for the hover (one the edit's own analysis has not built yet)
      void client.change(orders, 'CREATE TABLE orders (id bigint PRIMARY KEY, users_id bigint NOT NULL, note text);\n', 60_000).catch(() => undefined);
      const answered: string[] = [];
      const hover = client.hover(orders, 0, 15).then((h) => { answered.push('hover'); return h; });
      const zero = { line: 0, character: 0 };
      const ping = client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: probe }, range: { start: zero, end: zero }, context: { diagnostics: [], only: ['quickfix'] } })
        .then(() => { answered.push('codeAction'); });
      const [h] = await Promise.all([hover, ping]);
      assert.deepEqual(answered, ['codeAction', 'hover'], 'the request sent after the hover is answered while the schema is replayed');
      assert.match(JSON.stringify(h), /note/, 'the hover shows the schema after the edit, not the one before it');
    } finally {
      await client.stop();
    }
  });

  test('the Schema view of a 2,000-file workspace is built without holding up a request sent after it', async () => {
    const ws = workspace(tables(2000));
    const client = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
    try {
      await client.waitForStatus((s) => s.state === 'ready', 120_000);
      const probe = fileUri(path.join(ws, 'queries/probe.sql'));
      await client.open(probe, 'SELECT id FROM users;\n', 60_000);
      const answered: string[] = [];
      const tree = client.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {}).then((r) => { answered.push('schemaTree'); return r; });
      const zero = { line: 0, character: 0 };
      const ping = client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: probe }, range: { start: zero, end: zero }, context: { diagnostics: [], only: ['quickfix'] } })
        .then(() => { answered.push('codeAction'); });
      const [r] = await Promise.all([tree, ping]);
      assert.deepEqual(answered, ['codeAction', 'schemaTree'], 'the request sent after the Schema view\'s is answered while the workspace is analysed');
      assert.equal(r.status, 'ok');
      const t1 = r.folders[0].tables.find((t) => t.name === 't1');
      assert.ok(t1?.findings.some((f) => f.rule === 'fk-without-index'), JSON.stringify(t1));
    } finally {
      await client.stop();
    }
  });
});
