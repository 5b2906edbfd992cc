// `dbe ask`: a question to the assistant about a file of the project, the answer streamed to stdout.
// By default the assistant may call the agent's tools (agent/loop.ts over agent/cli-context.ts): each
// call is one line on stderr; a migration is written only after a y on the terminal. `--no-tools` is
// the single plain call. API problems end with one `dbe: ...` line on stderr and exit code 1 (130 when
// interrupted); the sandbox worker is closed on every way out.
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { initParser } from '../sql/parse';
import { buildContext, DEFAULT_BUDGET_CHARS } from '../chat/context';
import { askStream, ChatError, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, NO_KEY_MESSAGE, scrubSecret } from '../chat/client';
import { expandSlash } from '../chat/commands';
import { loadSystemPrompt, withDialect } from '../chat/persona-source';
import { cliToolContext, type CliToolContext } from '../agent/cli-context';
import { runAgentTurn, type AgentStep } from '../agent/loop';
import type { WriteRequest } from '../agent/tool';
import { runTool, TOOLS_BY_NAME } from '../agent/tools';
import type { AskCliOptions } from './args';
import { collectProjects, InputError, relTo } from './collect';
import { addNamedSource, addProjectFiles } from './lint-project';

export interface AskIo {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
  /**
   * Asks the user one question on the terminal and resolves to the answer (undefined: interrupted).
   * Absent: there is no terminal to ask (the default when stdin is not a TTY), so nothing is written.
   */
  prompt?(question: string, signal: AbortSignal): Promise<string | undefined>;
  /** stderr is a terminal (default: process.stderr.isTTY): progress that only helps someone watching goes there. */
  errIsTty?: boolean;
}

export async function askCommand(o: AskCliOptions, io: AskIo): Promise<number> {
  const key = process.env.ANTHROPIC_API_KEY?.trim();
  const fail = (msg: string) => { io.err(`dbe: ${scrubSecret(msg, key).split('\n')[0]}\n`); return 1; };
  const expanded = expandSlash(o.question);
  if ('error' in expanded) return fail(expanded.error);
  if (!key) return fail(NO_KEY_MESSAGE);

  await initParser();
  const root = path.resolve(io.cwd, o.project ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new InputError(`not a project directory: ${o.project ?? root}`);
  const [spec] = collectProjects([root], undefined, io.cwd);
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  addProjectFiles(project, spec);
  let file: string | undefined;
  let sameProject = true;
  if (o.file) {
    file = path.resolve(io.cwd, o.file);
    let st: fs.Stats;
    try { st = fs.statSync(file); } catch { throw new InputError(`no such file: ${o.file}`); }
    if (!st.isFile()) throw new InputError(`not a file: ${o.file}`);
    // a file from outside the project joins the context's project only: the tools read their own
    sameProject = project.hasFile(file);
    addNamedSource(project, file, path.relative(io.cwd, file) || path.basename(file), spec.config.maxFileBytes);
  }
  const context = buildContext(project, {
    file, lines: o.lines, budgetChars: DEFAULT_BUDGET_CHARS,
    label: file ? (path.relative(io.cwd, file) || path.basename(file)).split(path.sep).join('/') : undefined,
  });
  const verbose = !!process.stderr.isTTY || !!process.env.DBE_DEBUG;
  if (verbose) io.err(`context: ${context.chips.map((c) => `${c.kind} ${c.label}`).join(', ') || 'none'}\n`);

  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  let endedWithNewline = true;
  if (o.tools !== false) {
    try {
      return await askWithTools(o, io, {
        root, key, verbose, signal: ctl.signal, project: sameProject ? project : undefined, question: expanded.question, system: withDialect(loadSystemPrompt().text, context.dialect), context: context.text,
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  }
  try {
    const result = await askStream({
      apiKey: key,
      baseURL: process.env.ANTHROPIC_BASE_URL || undefined,
      model: o.model ?? DEFAULT_MODEL,
      maxTokens: o.maxTokens ?? DEFAULT_MAX_TOKENS,
      system: withDialect(loadSystemPrompt().text, context.dialect),
      context: context.text,
      question: expanded.question,
      signal: ctl.signal,
      timeoutMs: envNumber('DBE_TIMEOUT_MS'),
      onText: (t) => { io.out(t); endedWithNewline = t.endsWith('\n'); },
      onRetry: (r) => io.err(`dbe: ${r.message}\n`),
    });
    if (!endedWithNewline) io.out('\n');
    if (verbose) {
      const u = result.usage;
      io.err(`tokens: ${u.input_tokens} in (cache read ${u.cache_read_input_tokens}, cache write ${u.cache_creation_input_tokens}), ${u.output_tokens} out${result.stopReason === 'max_tokens' ? '; answer cut at --max-tokens' : ''}\n`);
    }
    return 0;
  } catch (e) {
    if (!endedWithNewline) io.out('\n');
    if (e instanceof ChatError) {
      fail(e.message);
      return e.kind === 'cancelled' ? 130 : 1;
    }
    return fail(`unexpected failure: ${(e as any)?.message ?? e}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

interface TurnInput { root: string; key: string; verbose: boolean; signal: AbortSignal; question: string; system: string; context: string; project?: Project }

async function askWithTools(o: AskCliOptions, io: AskIo, t: TurnInput): Promise<number> {
  const fail = (msg: string) => { io.err(`dbe: ${scrubSecret(msg, t.key).split('\n')[0]}\n`); return 1; };
  const prompt = io.prompt ?? (process.stdin.isTTY ? terminalPrompt : undefined);
  let ctx: CliToolContext | undefined;
  let endedWithNewline = true;
  let sandboxSaid = false;
  try {
    ctx = await cliToolContext({
      root: t.root, cwd: io.cwd, signal: t.signal, project: t.project, database: o.database,
      confirm: prompt ? (req) => confirmOnTerminal(req, io, prompt, t.signal) : undefined,
    });
    const tools = ctx;
    const result = await runAgentTurn({
      apiKey: t.key,
      baseURL: process.env.ANTHROPIC_BASE_URL || undefined,
      model: o.model ?? DEFAULT_MODEL,
      maxTokens: o.maxTokens ?? DEFAULT_MAX_TOKENS,
      system: t.system,
      context: t.context,
      question: t.question,
      signal: t.signal,
      timeoutMs: envNumber('DBE_TIMEOUT_MS'),
      callTool: (name, input, signal) => runTool(name, input, { ...tools, signal: signal ?? tools.signal }),
      onText: (s) => { if (!s) return; io.out(s); endedWithNewline = s.endsWith('\n'); },
      onStep: (s) => {
        if (s.state === 'running') {
          // The first sandbox call starts PostgreSQL and replays the migrations (tens of seconds on a
          // terminal with nothing to show): say so once, on a terminal.
          if (!sandboxSaid && TOOLS_BY_NAME.get(s.tool)?.sandbox && (io.errIsTty ?? process.stderr.isTTY)) {
            sandboxSaid = true;
            if (!endedWithNewline) io.err('\n');
            io.err(`… ${s.tool}: starting the sandbox (PostgreSQL replays the project's migrations on generated rows; the first call takes a while)\n`);
          }
          return;
        }
        // On a terminal the answer and the steps share the screen: start the step on a line of its own.
        if (!endedWithNewline && (io.errIsTty ?? process.stderr.isTTY)) io.err('\n');
        io.err(`${stepLine(s)}\n`);
      },
      onRetry: (r) => io.err(`dbe: ${r.message}\n`),
    });
    if (!endedWithNewline) io.out('\n');
    if (result.notice) io.err(`${result.notice}\n`);
    if (t.verbose) {
      const u = result.usage;
      io.err(`tokens: ${u.input_tokens} in (cache read ${u.cache_read_input_tokens}, cache write ${u.cache_creation_input_tokens}), ${u.output_tokens} out; ${result.requests?.length ?? 1} request(s), ${result.steps.length} tool call(s)\n`);
    }
    return 0;
  } catch (e) {
    if (!endedWithNewline) io.out('\n');
    if (e instanceof ChatError) {
      fail(e.message);
      return e.kind === 'cancelled' ? 130 : 1;
    }
    if (e instanceof InputError) throw e;
    return fail(`unexpected failure: ${(e as any)?.message ?? e}`);
  } finally {
    await closeQuietly(ctx);
  }
}

/** One line for a finished step: "· explain_query: explained the query: cost 248.5 → 11.6". */
export function stepLine(s: AgentStep): string {
  const what = s.summary.startsWith(s.tool) ? s.summary : `${s.tool}: ${s.summary}`;
  return `${s.state === 'error' ? '✗' : '·'} ${visible(what.split('\n')[0])}`;
}

/** Shows the files write_migration wants to create and asks y/N; only "y" or "yes" writes. */
export async function confirmOnTerminal(
  req: WriteRequest, io: Pick<AskIo, 'err'>, prompt: NonNullable<AskIo['prompt']>, signal: AbortSignal,
): Promise<boolean> {
  io.err(`\nDB Engineer proposes: ${visible(req.title)}\n`);
  for (const f of req.files) {
    io.err(`\n--- ${visible(f.path)} (new file)\n${visible(f.text)}${f.text.endsWith('\n') ? '' : '\n'}`);
  }
  const n = req.files.length;
  const answer = await prompt(`\nCreate ${n === 1 ? 'this file' : `these ${n} files`}? [y/N] `, signal);
  const yes = /^\s*y(es)?\s*$/i.test(answer ?? '');
  io.err(yes ? '' : 'not written\n');
  return yes;
}

/**
 * Text from the model as the terminal should show it before the user says yes: control characters
 * (an escape sequence could erase or rewrite the lines shown) are printed as \\xNN, tabs and newlines kept.
 */
export function visible(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Reads one line from the terminal (stdin), the question on stderr; Ctrl-C or the signal: undefined. */
function terminalPrompt(question: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let settled = false;
    const end = (v: string | undefined) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(v);
    };
    const onAbort = () => end(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    // readline takes Ctrl-C while it reads: pass it on as the interrupt it is.
    rl.on('SIGINT', () => { end(undefined); process.emit('SIGINT'); });
    rl.on('close', () => end(undefined));
    rl.question(question, (a) => end(a));
  });
}

/** Ends the sandbox worker; a worker that does not stop within 5 s is left to the exit, never awaited forever. */
async function closeQuietly(ctx: CliToolContext | undefined): Promise<void> {
  if (!ctx) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.close().catch(() => undefined),
      new Promise<void>((r) => { timer = setTimeout(r, 5000); timer.unref(); }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function envNumber(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
