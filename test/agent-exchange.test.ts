// The real chain of `dbe ask` with tools: the built CLI on a temp copy of examples/shop, the stand-in
// for the Messages API asking for a tool, the real tool (runTool over the CLI's tool context and the
// sandbox), and the next request carrying its tool_result. Also the terminal confirmation of a write,
// --no-tools, and Ctrl-C. The captured exchange is written to /tmp/loop/ for the closing note.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext } from '../server/src/agent/cli-context';
import { confirmOnTerminal, stepLine } from '../server/src/cli/ask-command';
import { parseArgs } from '../server/src/cli/args';
import { limitsOf, workerSandbox } from '../server/src/cli/sandbox-command';
import { defaultConfig } from '../server/src/config';
import { sandboxInput } from '../server/src/sandbox/input';
import { projectFor, ready, ROOT } from './helpers';
import { askCommand } from '../server/src/cli/ask-command';
import { StandIn, streamAnswer, streamToolUse } from './anthropic-standin';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const KEY = 'sk-ant-test-EXCHANGE-0123456789';
const SHOP = path.join(ROOT, 'examples', 'shop');
const CAPTURE_DIR = '/tmp/loop';


const stand = new StandIn();
const temps: string[] = [];
before(async () => {
  await stand.start();
  buildIfStale();
});

/** `npm test` builds first: rebuild only when a server source is newer than the CLI (a rebuild under a running test would race it). */
function buildIfStale(): void {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  const srcs = fs.readdirSync(path.join(ROOT, 'server', 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
  if (srcs.some((f) => fs.statSync(f).mtimeMs > built)) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  }
}
after(async () => {
  await stand.stop();
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

function shopCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-'));
  temps.push(dir);
  fs.cpSync(SHOP, path.join(dir, 'shop'), { recursive: true });
  return path.join(dir, 'shop');
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

function dbe(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, DBE_DEBUG: '', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: stand.url, ANTHROPIC_AUTH_TOKEN: undefined, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return new Promise((resolve) => {
    // stdin is /dev/null: not a terminal, so nothing may be written
    execFile(process.execPath, [CLI, ...args], { cwd, env: e, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : null) : 0, stdout, stderr });
    });
  });
}

const QUERY = 'SELECT * FROM orders WHERE user_id = 42';

describe('dbe ask with tools: the real chain', () => {
  test('explain_query: the next request carries the sandbox\'s cost in a tool_result', async () => {
    const shop = shopCopy();
    const before = listFiles(shop);
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) void streamToolUse(res, [{ id: 'toolu_x1', name: 'explain_query', input: { sql: QUERY } }], 'I will ask the planner.');
      else void streamAnswer(res, ['The planner scans orders; ', 'index orders(user_id).']);
    });
    const r = await dbe(['ask', '-p', shop, `Why is ${QUERY} slow?`], shop);
    const capture = {
      command: `dbe ask -p <copy of examples/shop> "Why is ${QUERY} slow?"`,
      note: 'Captured from test/agent-exchange.test.ts: the stand-in for the Messages API asked for explain_query; the real tool ran in the sandbox. The API key travels only in the x-api-key header, which is not recorded.',
      requests: stand.requests.map((q) => q.body),
      stdout: r.stdout,
      stderr: r.stderr,
      exitCode: r.code,
    };
    fs.mkdirSync(CAPTURE_DIR, { recursive: true });
    const text = JSON.stringify(capture, null, 2).split(KEY).join('[redacted]');
    // exchange.json only for a run that passed (the closing note's); a failed run's goes beside it
    fs.writeFileSync(path.join(CAPTURE_DIR, 'exchange-last-run.json'), text);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stand.requests.length, 2);
    const second = stand.requests[1].body;
    assert.deepEqual(second.tool_choice, { type: 'auto' });
    const assistant = second.messages.at(-2);
    assert.deepEqual(assistant.content.at(-1), { type: 'tool_use', id: 'toolu_x1', name: 'explain_query', input: { sql: QUERY } });
    const result = second.messages.at(-1).content[0];
    assert.equal(result.type, 'tool_result');
    assert.equal(result.tool_use_id, 'toolu_x1');
    assert.notEqual(result.is_error, true, result.content);
    // The sandbox's plan: a cost number and the orders table.
    assert.match(result.content, /cost/i);
    assert.match(result.content, /\d+(\.\d+)?/);
    assert.match(result.content, /orders/);
    // The user saw one step line, then the answer on stdout.
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('· ') || l.startsWith('✗ '));
    assert.equal(steps.length, 1, r.stderr);
    assert.match(steps[0], /^· explain_query/);
    assert.equal(r.stdout, 'I will ask the planner.\n\nThe planner scans orders; index orders(user_id).\n');
    assert.ok(!text.includes(KEY) && !r.stderr.includes(KEY));
    // Nothing in the project changed.
    assert.deepEqual(listFiles(shop), before);
    fs.writeFileSync(path.join(CAPTURE_DIR, 'exchange.json'), text);
  });

  test('a tool the model cannot use here is an error step, the turn still answers (exit 0)', async () => {
    const shop = shopCopy();
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) void streamToolUse(res, [{ id: 'toolu_h', name: 'health', input: {} }]);
      else void streamAnswer(res, ['No live database here.']);
    });
    const r = await dbe(['ask', '-p', shop, 'is the database healthy?'], shop);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'No live database here.\n');
    const result = stand.requests[1].body.messages.at(-1).content[0];
    assert.equal(result.tool_use_id, 'toolu_h');
    assert.equal(result.is_error, true);
    const steps = r.stderr.split('\n').filter((l) => /^[·✗] /.test(l));
    assert.equal(steps.length, 1, r.stderr);
    assert.match(steps[0], /^✗ health/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('tools and their guidance are offered by default; a list_tables call goes back as a tool_result', async () => {
    const shop = shopCopy();
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) void streamToolUse(res, [{ id: 'toolu_d', name: 'list_tables', input: {} }]);
      else void streamAnswer(res, ['ok']);
    });
    const r = await dbe(['ask', '-p', shop, 'which tables are there?'], shop);
    assert.equal(r.code, 0, r.stderr);
    const req = stand.requests[0].body;
    assert.ok(req.tools.some((t: any) => t.name === 'explain_query'), 'the tools are offered by default');
    assert.match(req.system.at(-1).text, /^## Tools/);
    assert.deepEqual(req.system.at(-1).cache_control, { type: 'ephemeral' });
    assert.equal(stand.requests.length, 2);
    assert.equal(stand.requests[1].body.messages.at(-1).content[0].tool_use_id, 'toolu_d');
  });

  test('--no-tools: one plain request without tools', async () => {
    const shop = shopCopy();
    stand.reset((_q, res) => { void streamAnswer(res, ['Plain.']); });
    const r = await dbe(['ask', '--no-tools', '-p', shop, 'hello'], shop);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Plain.\n');
    assert.equal(stand.requests.length, 1);
    assert.equal(stand.requests[0].body.tools, undefined);
    assert.equal(stand.requests[0].body.tool_choice, undefined);
    assert.throws(() => parseArgs(['ask', '--no-tools=1', 'q']), /--no-tools takes no value/);
    assert.equal((parseArgs(['ask', '--no-tools', 'q']) as any).options.tools, false);
  });

  test('write_migration without a terminal: proposed only, nothing written, the model is told', async () => {
    const shop = shopCopy();
    const before = listFiles(shop);
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) {
        void streamToolUse(res, [{ id: 'toolu_w', name: 'write_migration', input: { title: 'add orders user_id index', up: 'CREATE INDEX orders_user_id_idx ON orders (user_id);', down: 'DROP INDEX orders_user_id_idx;' } }]);
      } else void streamAnswer(res, ['Proposed.']);
    });
    const r = await dbe(['ask', '-p', shop, 'add the index'], shop);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listFiles(shop), before, 'no file may be written without a yes');
    const result = stand.requests[1].body.messages.at(-1).content[0];
    assert.equal(result.tool_use_id, 'toolu_w');
    assert.match(result.content, /not written|propos/i);
  });

  test('Ctrl-C while a tool runs: exit 130, one dbe: line, the process ends (the sandbox is closed)', async () => {
    const shop = shopCopy();
    let sent!: () => void;
    const toolAsked = new Promise<void>((r) => { sent = r; });
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) {
        void streamToolUse(res, [{ id: 'toolu_c', name: 'explain_query', input: { sql: QUERY } }]).then(() => sent());
      } else void streamAnswer(res, ['late answer'], { holdAfter: 1 });
    });
    const e: NodeJS.ProcessEnv = { ...process.env, DBE_DEBUG: '', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: stand.url };
    const child = spawn(process.execPath, [CLI, 'ask', '-p', shop, 'why slow?'], { cwd: shop, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.resume();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await toolAsked;
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(killer);
    assert.equal(code, 130, stderr);
    assert.match(stderr.trim().split('\n').at(-1)!, /^dbe: request cancelled$/);
    assert.ok(!stderr.includes(KEY));
  });
});

describe('dbe ask on a terminal', () => {
  test('the first sandbox call says the sandbox is starting before the wait, once; the step line follows', async () => {
    const shop = shopCopy();
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) void streamToolUse(res, [{ id: 'toolu_t1', name: 'explain_query', input: { sql: QUERY } }, { id: 'toolu_t2', name: 'explain_query', input: { sql: 'SELECT id FROM orders' } }]);
      else void streamAnswer(res, ['Done.']);
    });
    const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
    process.env.ANTHROPIC_API_KEY = KEY;
    process.env.ANTHROPIC_BASE_URL = stand.url;
    let out = '', err = '';
    try {
      const code = await askCommand({ question: `Why is ${QUERY} slow?`, project: shop }, { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: shop, errIsTty: true });
      assert.equal(code, 0, err);
    } finally {
      if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY; else process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.ANTHROPIC_BASE_URL; else process.env.ANTHROPIC_BASE_URL = saved.url;
    }
    const lines = err.split('\n').filter((l) => l.startsWith('…') || l.startsWith('·') || l.startsWith('✗'));
    assert.match(lines[0] ?? '', /^… explain_query: starting the sandbox \(PostgreSQL replays the project's migrations/, err);
    assert.equal(lines.filter((l) => l.startsWith('…')).length, 1, 'said once');
    assert.match(lines[1] ?? '', /^· explain_query: explained the query: cost/);
    assert.match(out, /Done\./);
  });
});

describe('the sandbox worker and Ctrl-C', () => {
  test('closing the sandbox while its worker starts ends the pending run (nothing is left waiting)', { timeout: 60_000 }, async () => {
    await ready();
    const sb = workerSandbox(null, limitsOf({}, defaultConfig()));
    const run = sb.run(sandboxInput(projectFor(SHOP)));
    await sb.close();
    await assert.rejects(run, /sandbox/);
  });
});

describe('dbe ask: writing a migration asks on the terminal', () => {
  const req = { title: 'add index orders_user_id_idx', files: [{ path: 'migrations/005_add_orders_user_id_idx.sql', text: 'CREATE INDEX orders_user_id_idx ON orders (user_id);\n' }] };

  async function context(answer: string | undefined) {
    const shop = shopCopy();
    const shown: string[] = [];
    const asked: string[] = [];
    const io = { err: (s: string) => { shown.push(s); } };
    const ctx = await cliToolContext({
      root: shop, cwd: shop,
      confirm: (r) => confirmOnTerminal(r, io, async (q) => { asked.push(q); return answer; }, new AbortController().signal),
    });
    return { shop, ctx, shown, asked };
  }

  test('y: the file is created, after the user saw its path and text', async () => {
    const { shop, ctx, shown, asked } = await context('y');
    const r = await ctx.confirmWrite!(req);
    assert.deepEqual(r, { written: true, paths: ['migrations/005_add_orders_user_id_idx.sql'] });
    assert.equal(fs.readFileSync(path.join(shop, 'migrations', '005_add_orders_user_id_idx.sql'), 'utf8'), req.files[0].text);
    assert.match(shown.join(''), /DB Engineer proposes: add index orders_user_id_idx/);
    assert.match(shown.join(''), /--- migrations\/005_add_orders_user_id_idx\.sql \(new file\)\nCREATE INDEX orders_user_id_idx/);
    assert.deepEqual(asked, ['\nCreate this file? [y/N] ']);
    await ctx.close();
  });

  for (const answer of ['', 'n', 'no', 'yess', 'sure', undefined]) {
    test(`${JSON.stringify(answer)}: nothing is written`, async () => {
      const { shop, ctx, shown } = await context(answer);
      const before = listFiles(shop);
      const r = await ctx.confirmWrite!(req);
      assert.equal(r.written, false);
      assert.equal(r.reason, 'the user declined');
      assert.deepEqual(listFiles(shop), before);
      assert.match(shown.join(''), /not written\n$/);
      await ctx.close();
    });
  }

  test('escape sequences in the proposed text are shown, not obeyed by the terminal', async () => {
    const { ctx, shown } = await context('n');
    const sneaky = { title: 'add\u001b[2K index', files: [{ path: 'migrations/005_x.sql', text: 'DROP TABLE users;\r\u001b[1A\u001b[2KCREATE INDEX i ON orders (user_id);\n' }] };
    await ctx.confirmWrite!(sneaky);
    const out = shown.join('');
    assert.doesNotMatch(out, /[\u001b\r]/);
    assert.match(out, /DROP TABLE users;\\x0d\\x1b\[1A\\x1b\[2KCREATE INDEX/);
    assert.match(out, /proposes: add\\x1b\[2K index/);
    await ctx.close();
  });

  test('step lines: one line each, the tool named once, errors marked', () => {
    assert.equal(stepLine({ id: 'a', tool: 'explain_query', input: {}, state: 'done', summary: 'explained the query: cost 248.5' }), '· explain_query: explained the query: cost 248.5');
    assert.equal(stepLine({ id: 'b', tool: 'health', input: {}, state: 'error', summary: 'health: not available\nmore' }), '✗ health: not available');
  });
});
