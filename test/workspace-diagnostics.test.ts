// Issue #12, "the whole workspace, as the CLI sees it": after indexing, the language server publishes
// diagnostics for every SQL file of a trusted workspace, open or not, and they agree with
// `dbe lint --format json` on the same folder (per file and per rule). Over stdio (dist/server.js,
// driven by test/lspClient.ts). Run `npm run build` first (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { fileUri, LspClient, ROOT } from './lspClient';
import { ready } from './helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const SHOP = path.join(ROOT, 'examples', 'shop');
const LEMMY = path.resolve(ROOT, '..', 'measure', 'unflat', 'lemmy');

const dirs: string[] = [];
const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Per absolute path: "rule xN" counts, sorted (what a Problems panel grouped by file and rule shows). */
type Counts = Map<string, string[]>;

function summarise(entries: [string, string[]][]): Counts {
  const out: Counts = new Map();
  for (const [file, rules] of entries) {
    const n = new Map<string, number>();
    for (const r of rules) n.set(r, (n.get(r) ?? 0) + 1);
    out.set(file, [...n].map(([r, c]) => `${r} x${c}`).sort());
  }
  return out;
}

/** What `dbe lint --format json <dir>` reports, per file and rule (files without findings included). */
function cliCounts(dir: string): Counts {
  const r = spawnSync(process.execPath, [CLI, 'lint', '--format', 'json', '--no-cache', dir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const report = JSON.parse(r.stdout) as { files: { path: string; diagnostics: { rule: string }[] }[] };
  return summarise(report.files.map((f) => [path.resolve(ROOT, f.path), f.diagnostics.map((d) => d.rule)]));
}

async function start(folder: string, opts: { trusted?: boolean } = {}): Promise<LspClient> {
  await ready();
  const c = await LspClient.start({ folder, settings: { debounceMs: 5 }, trusted: opts.trusted });
  clients.push(c);
  return c;
}

/** Waits until every file of `expected` has been published, then what the server shows, per file and rule. */
async function serverCounts(c: LspClient, expected: Counts, timeoutMs = 60_000): Promise<Counts> {
  const t0 = Date.now();
  const pathOf = (uri: string) => URI.parse(uri).fsPath;
  for (;;) {
    const have = new Set([...c.latest.keys()].map(pathOf));
    if ([...expected.keys()].every((p) => have.has(p))) break;
    if (Date.now() - t0 > timeoutMs) {
      const missing = [...expected.keys()].filter((p) => !have.has(p));
      throw new Error(`${missing.length} of ${expected.size} files never published, e.g. ${missing.slice(0, 3).join(', ')}\n${c.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await c.waitForStatus((s) => s.state === 'ready');
  return summarise([...c.latest].map(([uri, p]) => [pathOf(uri), p.diagnostics.map((d) => String(d.code))]));
}

function copyDir(from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-ws-'));
  dirs.push(dir);
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

describe('workspace diagnostics (push): every file of the folder, as dbe lint reports it', () => {
  test('examples/shop: the server publishes every file, with the same findings per file and rule as dbe lint', async () => {
    const want = cliCounts(SHOP);
    assert.ok(want.size >= 5 && [...want.values()].some((v) => v.length), 'dbe lint finds something in the example project');
    const c = await start(SHOP);
    assert.deepEqual(await serverCounts(c, want), want);
  });

  test('lemmy (its real migration layout): the counts agree with dbe lint', { skip: fs.existsSync(LEMMY) ? false : `lemmy not found at ${LEMMY}` }, async () => {
    const want = cliCounts(LEMMY);
    assert.ok(want.size > 100);
    const c = await start(LEMMY);
    const got = await serverCounts(c, want, 120_000);
    const differ = [...want.keys()].filter((k) => JSON.stringify(got.get(k)) !== JSON.stringify(want.get(k)));
    assert.deepEqual(differ.map((k) => ({ file: k, cli: want.get(k), server: got.get(k) })), []);
    assert.equal(got.size, want.size);
  });

  test('a closed file changed on disk is published again; a deleted one is cleared; an open one keeps its editor text', async () => {
    const dir = copyDir(SHOP);
    const want = cliCounts(dir);
    const c = await start(dir);
    await serverCounts(c, want);
    const reports = fileUri(path.join(dir, 'queries', 'reports.sql'));
    const users = fileUri(path.join(dir, 'migrations', '001_create_users.sql'));
    assert.ok(c.latest.get(reports)!.diagnostics.some((d) => d.code === 'select-star'));

    // changed on disk, not open: the new text's findings
    fs.writeFileSync(path.join(dir, 'queries', 'reports.sql'), 'SELECT id FROM users WHERE email = NULL;\n');
    let got = c.waitFor(reports, (p) => !p.diagnostics.some((d) => d.code === 'select-star'));
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: reports, type: 2 }] });
    assert.deepEqual((await got).diagnostics.map((d) => d.code), ['equals-null']);

    // open with other text: the editor's text wins over the disk (a later disk change does not replace it)
    await c.open(reports, 'SELECT * FROM users;\n');
    fs.writeFileSync(path.join(dir, 'queries', 'reports.sql'), 'SELECT 1;\n');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: reports, type: 2 }] });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(c.latest.get(reports)!.diagnostics.some((d) => d.code === 'select-star'));
    // closed again: the disk text's findings (none), published without a version
    got = c.waitFor(reports, (p) => p.version == null);
    await c.close(reports);
    assert.deepEqual((await got).diagnostics, []);

    // deleted: its diagnostics are cleared
    assert.ok(c.latest.get(users)!.diagnostics.length > 0);
    fs.rmSync(path.join(dir, 'migrations', '001_create_users.sql'));
    got = c.waitFor(users, (p) => p.diagnostics.length === 0);
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: users, type: 3 }] });
    await got;
  });

  test('files dbe lint ignores (config ignore, node_modules) get no diagnostics either', async () => {
    const dir = copyDir(SHOP);
    fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ ignore: ['queries/**'] }));
    fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'x.sql'), 'SELECT * FROM users;\n');
    const want = cliCounts(dir);
    assert.ok(![...want.keys()].some((k) => k.includes('queries') || k.includes('node_modules')));
    const c = await start(dir);
    assert.deepEqual(await serverCounts(c, want), want);
  });

  test('Restricted Mode: only open documents are analysed', async () => {
    const dir = copyDir(SHOP);
    const c = await start(dir, { trusted: false });
    const reports = fileUri(path.join(dir, 'queries', 'reports.sql'));
    await c.waitForStatus((s) => s.state === 'ready');
    const opened = await c.open(reports, 'SELECT * FROM users;\n');
    assert.ok(opened.diagnostics.some((d) => d.code === 'select-star'));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...c.latest.keys()], [reports]);
  });
});

// The pull model (LSP 3.17): a client that supports it gets diagnosticProvider and asks; nothing is pushed.
type Report = { kind: 'full' | 'unchanged'; uri: string; resultId?: string; version?: number | null; items?: { code?: unknown }[] };

async function pullWorkspace(c: LspClient, previous: Report[] = []): Promise<Report[]> {
  const r = await c.conn.sendRequest<{ items: Report[] }>('workspace/diagnostic', { previousResultIds: previous.filter((p) => p.resultId).map((p) => ({ uri: p.uri, value: p.resultId })) });
  return r.items;
}

function reportCounts(items: Report[]): Counts {
  return summarise(items.filter((i) => i.kind === 'full').map((i) => [URI.parse(i.uri).fsPath, (i.items ?? []).map((d) => String(d.code))]));
}

async function startPull(folder: string, extra: { sandbox?: boolean } = {}): Promise<LspClient> {
  await ready();
  const c = await LspClient.start({ folder, settings: { debounceMs: 5 }, pull: true, ...extra });
  clients.push(c);
  return c;
}

describe('workspace diagnostics (pull): workspace/diagnostic and textDocument/diagnostic with result ids', () => {
  test('examples/shop: diagnosticProvider declared, nothing pushed; workspace/diagnostic agrees with dbe lint; asked again with the result ids, every file is unchanged', async () => {
    const want = cliCounts(SHOP);
    const c = await startPull(SHOP);
    assert.deepEqual(c.capabilities.diagnosticProvider, { identifier: 'dbe', interFileDependencies: true, workspaceDiagnostics: true });
    const first = await pullWorkspace(c);
    assert.deepEqual(reportCounts(first), want);
    const again = await pullWorkspace(c, first);
    assert.equal(again.length, first.length);
    assert.ok(again.every((i) => i.kind === 'unchanged'), JSON.stringify(again.filter((i) => i.kind !== 'unchanged')));
    assert.equal(c.latest.size, 0, 'no publishDiagnostics in the pull model');
  });

  test('lemmy (its real migration layout): workspace/diagnostic agrees with dbe lint', { skip: fs.existsSync(LEMMY) ? false : `lemmy not found at ${LEMMY}` }, async () => {
    const want = cliCounts(LEMMY);
    const c = await startPull(LEMMY);
    const got = reportCounts(await pullWorkspace(c));
    const differ = [...want.keys()].filter((k) => JSON.stringify(got.get(k)) !== JSON.stringify(want.get(k)));
    assert.deepEqual(differ.map((k) => ({ file: k, cli: want.get(k), server: got.get(k) })), []);
    assert.equal(got.size, want.size);
  });

  test('textDocument/diagnostic: the editor text, a new result id after an edit, unchanged when nothing changed', async () => {
    const dir = copyDir(SHOP);
    const c = await startPull(dir);
    const uri = fileUri(path.join(dir, 'queries', 'reports.sql'));
    const pull = (previousResultId?: string) => c.conn.sendRequest<Report>('textDocument/diagnostic', { textDocument: { uri }, ...(previousResultId ? { previousResultId } : {}) });
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text: 'SELECT * FROM users;\n' } });
    const a = await pull();
    assert.equal(a.kind, 'full');
    assert.deepEqual(a.items!.map((d) => d.code), ['select-star']);
    assert.deepEqual(await pull(a.resultId), { kind: 'unchanged', resultId: a.resultId });
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'SELECT id FROM users WHERE email = NULL;\n' }] });
    const b = await pull(a.resultId);
    assert.equal(b.kind, 'full');
    assert.notEqual(b.resultId, a.resultId);
    assert.deepEqual(b.items!.map((d) => d.code), ['equals-null']);
    assert.equal(c.latest.size, 0);
  });

  test('a closed file changed on disk: the server asks for a refresh, and the next workspace pull has its new findings (the others unchanged)', async () => {
    const dir = copyDir(SHOP);
    const c = await startPull(dir);
    const first = await pullWorkspace(c);
    const reports = fileUri(path.join(dir, 'queries', 'reports.sql'));
    const before = c.refreshes;
    fs.writeFileSync(path.join(dir, 'queries', 'reports.sql'), 'SELECT id FROM users WHERE email = NULL;\n');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: reports, type: 2 }] });
    for (let i = 0; i < 200 && c.refreshes === before; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(c.refreshes > before, 'workspace/diagnostic/refresh was requested');
    const next = await pullWorkspace(c, first);
    const changed = next.filter((i) => i.kind === 'full');
    assert.deepEqual(changed.map((i) => [i.uri, i.items!.map((d) => d.code)]), [[reports, ['equals-null']]]);
  });

  test('a client that supports pull but asks for push (the VS Code client) gets publishDiagnostics and no diagnosticProvider', async () => {
    await ready();
    const c = new (LspClient as any)({ folder: SHOP, settings: { debounceMs: 5 }, pull: true }) as LspClient;
    clients.push(c);
    const init: any = await c.conn.sendRequest('initialize', {
      processId: process.pid, rootUri: fileUri(SHOP), workspaceFolders: [{ uri: fileUri(SHOP), name: 'shop' }],
      initializationOptions: { trusted: true, diagnostics: 'push' },
      capabilities: { workspace: { configuration: true, diagnostics: { refreshSupport: true } }, textDocument: { diagnostic: {}, publishDiagnostics: { versionSupport: true } } },
    });
    assert.equal(init.capabilities.diagnosticProvider, undefined);
    await c.conn.sendNotification('initialized', {});
    await serverCounts(c, cliCounts(SHOP));
  });
});
