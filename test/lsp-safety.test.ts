// The language server against hostile or broken protocol input (big inputs: test/slow/lsp-stress.test.ts): dist/server.js over
// stdio (test/lspClient.ts). Run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { applyTextEdits, editsFor, fileUri, LspClient, SERVER } from './lspClient';
import { FramingCheck } from '../server/src/lsp/transport';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-lsp-safety-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const USERS = 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, deleted_at timestamptz);\n';
const everyEdit = (actions: CodeAction[]) => JSON.stringify(actions.map((a) => [a.edit, a.command]));

/**
 * Raw bytes to a fresh server process; resolves with its exit code and stderr, or with code null when
 * it is still alive once its stdout satisfies `until` (or after waitMs when no `until` is given).
 */
function raw(bytes: string, waitMs = 30_000, until?: (stdout: string) => boolean): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '', stdout = '';
    const alive = () => { clearTimeout(timer); child.removeAllListeners('exit'); child.kill('SIGKILL'); resolve({ code: null, stderr, stdout }); };
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.stdout.on('data', (d) => { stdout += String(d); if (until && child.exitCode === null && until(stdout)) alive(); });
    const timer = setTimeout(alive, waitMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr, stdout }); });
    child.stdin.on('error', () => { /* the server may be gone already */ });
    child.stdin.write(bytes);
  });
}
/** Whether stdout holds responses (not requests or notifications) to each of these request ids. */
const answered = (...ids: number[]) => (stdout: string) => {
  const got = new Set<number>();
  for (const b of stdout.split(/Content-Length: \d+\r\n\r\n/)) {
    try { const m = JSON.parse(b); if (m.method === undefined && typeof m.id === 'number') got.add(m.id); } catch { /* not complete yet */ }
  }
  return ids.every((id) => got.has(id));
};
const frame = (msg: object) => { const s = JSON.stringify(msg); return `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`; };

describe('protocol input', () => {
  test('a request before initialize gets error -32002 (ServerNotInitialized), and the server stays up', async () => {
    // then an initialize: answered too, so the server stayed up and still serves
    const r = await raw(frame({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x.sql' }, position: { line: 0, character: 0 } } })
      + frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }), 30_000, answered(1, 2));
    assert.equal(r.code, null, `still running; stderr: ${r.stderr}`);
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4).split('Content-Length')[0]);
    assert.equal(body.id, 1);
    assert.equal(body.error?.code, -32002, r.stdout);
  });

  for (const [name, bytes] of [
    ['no Content-Length header', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}'],
    ['a Content-Length that is not a number', 'Content-Length: abc\r\n\r\n{}'],
    ['a Content-Length with trailing garbage', 'Content-Length: 2x\r\n\r\n{}'],
    ['a negative Content-Length', 'Content-Length: -5\r\n\r\n{}'],
    ['a header line without a colon', 'Content-Length 2\r\n\r\n{}'],
  ] as const) {
    test(`a framing error (${name}) ends the server with a logged reason and a non-zero exit`, async () => {
      const r = await raw(bytes);
      assert.notEqual(r.code, null, 'the process ended instead of staying alive and deaf');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /framing|Content-Length|header/i);
      assert.ok(!/\n\s+at /.test(r.stderr), `one line, no stack trace: ${r.stderr}`);
    });
  }

  test('a message whose body is not JSON is skipped; the next request is still answered (the framing is intact)', async () => {
    const good = frame({ jsonrpc: '2.0', id: 7, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x.sql' }, position: { line: 0, character: 0 } } });
    const r = await raw(`Content-Length: 5\r\n\r\n{nope${good}`, 30_000, answered(7));
    assert.equal(r.code, null, `still running; stderr: ${r.stderr}`);
    assert.match(r.stdout, /"id":7/);
  });
});

test('the framing check accepts valid frames however the bytes are split (one byte at a time, many per chunk)', () => {
  const msgs = [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: { x: 'ü🚀\r\n\r\n' } }, { jsonrpc: '2.0', method: 'initialized', params: {} }];
  const stream = Buffer.from(msgs.map((m) => frame(m)).join('') + 'Content-Length: 2\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}' + frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' }));
  for (const size of [1, 2, 3, 7, 64, stream.length]) {
    const failures: string[] = [];
    const check = new FramingCheck((r) => failures.push(r));
    for (let i = 0; i < stream.length; i += size) check.push(stream.subarray(i, i + size));
    assert.deepEqual(failures, [], `chunks of ${size}`);
  }
  const failures: string[] = [];
  const check = new FramingCheck((r) => failures.push(r), 100);
  check.push(Buffer.from(frame({ a: 1 }) + 'Content-Length: 101\r\n\r\n'));
  assert.equal(failures.length, 1);
  assert.match(failures[0], /over the 100-byte limit/);
});

describe('code actions never trust the diagnostics a client sends back', () => {
  let ws: string;
  let client: LspClient;
  let u: string;
  let published: PublishDiagnosticsParams;
  const TEXT = 'SELECT id FROM users WHERE deleted_at = NULL;\n';

  before(async () => {
    ws = workspace({ 'migrations/001_users.sql': USERS });
    client = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
    u = fileUri(path.join(ws, 'queries/q.sql'));
    published = await client.open(u, TEXT);
  });
  after(async () => { await client.stop(); });

  const real = (): Diagnostic => structuredClone(published.diagnostics.find((d) => d.code === 'equals-null')!);

  test('a rule name with a newline (an injected statement) gets no action', async () => {
    const d = real();
    (d.data as any).rule = 'equals-null\nDROP TABLE users;';
    const actions = await client.codeActions(u, [d]);
    assert.ok(!everyEdit(actions).includes('DROP TABLE'), everyEdit(actions));
    assert.deepEqual(actions, []);
  });

  test('an unknown rule id, even with a code and range of a real finding, gets no action', async () => {
    const d = real();
    d.code = 'no-such-rule';
    (d.data as any).rule = 'no-such-rule';
    assert.deepEqual(await client.codeActions(u, [d]), []);
  });

  test('forged fix edits in data are not used: the fix is the server\'s own', async () => {
    const d = real();
    (d.data as any).fixes = [{ title: 'Use IS NULL', edit: { changes: { [u]: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'DROP TABLE users;\n' }] } } }];
    const actions = await client.codeActions(u, [d]);
    assert.ok(!everyEdit(actions).includes('DROP TABLE'), everyEdit(actions));
    assert.equal(actions[0].title, 'Use IS NULL');
    assert.equal(applyTextEdits(TEXT, editsFor(actions[0].edit, u)), 'SELECT id FROM users WHERE deleted_at IS NULL;\n');
  });

  test('a diagnostic the server did not publish (another range) gets no action', async () => {
    const d = real();
    d.range = { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } };
    assert.deepEqual(await client.codeActions(u, [d]), []);
  });

  test('malformed data or diagnostics get no action and no error; the server keeps answering', async () => {
    const bad: unknown[] = [
      { ...real(), data: null }, { ...real(), data: 'x' }, { ...real(), data: { rule: 42, fixes: [] } },
      { ...real(), data: { rule: 'equals-null', fixes: 'x' } }, { ...real(), data: { rule: 'equals-null', fixes: [null] } },
      { ...real(), data: { rule: 'equals-null', fixes: [], extra: 1 } }, { ...real(), range: null }, null, 7, 'x',
    ];
    for (const d of bad) assert.deepEqual(await client.codeActions(u, [d as Diagnostic]), [], JSON.stringify(d));
    const weird: any = await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: null, context: { diagnostics: 'x' } });
    assert.deepEqual(weird, []);
    assert.ok(!client.logs.some((l) => /codeAction/.test(l)), client.logs.join('\n'));
    assert.equal((await client.codeActions(u, [real()]))[0].title, 'Use IS NULL');
  });

  test('a light-bulb request sent right after an edit, before the server has published for it, waits and gets the fix', async () => {
    const d = real();
    const v = client.version(u) + 1;
    // the same finding at the same place after the edit (a comment appended): the request races the publication
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: v }, contentChanges: [{ text: TEXT + '-- edited\n' }] });
    (client as unknown as { versions: Map<string, number> }).versions.set(u, v);
    const actions = await client.codeActions(u, [d]);
    assert.equal(actions[0]?.title, 'Use IS NULL', JSON.stringify(actions));
    assert.match(everyEdit(actions), /IS NULL/);
  });

  test('after the document changed, the old publication\'s diagnostics get no action until the new one is published', async () => {
    const d = real();
    const v = client.version(u) + 1;
    // the text moves the finding; the server has not published for it yet when the request comes
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: v }, contentChanges: [{ text: '\n\n' + TEXT }] });
    const actions = await client.codeActions(u, [d]);
    assert.ok(!actions.some((a) => a.edit), JSON.stringify(actions));
  });
});

describe('cancellation', () => {
  test('a hover cancelled before its turn gets RequestCancelled (-32800), not a result', async () => {
    // one write: initialize, initialized, the hover and its cancellation arrive together
    const hover = (id: number) => ({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x.sql' }, position: { line: 0, character: 0 } } });
    const r = await raw([
      frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }),
      frame({ jsonrpc: '2.0', method: 'initialized', params: {} }),
      frame(hover(2)),
      frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } }),
      frame(hover(3)),
    ].join(''), 30_000, answered(2, 3));
    const responses = r.stdout.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean).map((b) => JSON.parse(b)).filter((m) => m.id !== undefined && m.method === undefined);
    assert.equal(responses.find((m) => m.id === 2)?.error?.code, -32800, JSON.stringify(responses));
    assert.ok(responses.some((m) => m.id === 3 && 'result' in m), 'the hover that was not cancelled is answered');
  });
});

