// `dbe ask`: a question to the assistant about a file of the project, the answer streamed to stdout.
// API problems end with one `dbe: ...` line on stderr and exit code 1 (130 when interrupted).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { initParser } from '../sql/parse';
import { buildContext, DEFAULT_BUDGET_CHARS } from '../chat/context';
import { askStream, ChatError, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, NO_KEY_MESSAGE, scrubSecret } from '../chat/client';
import { expandSlash } from '../chat/commands';
import { loadSystemPrompt, withDialect } from '../chat/persona-source';
import type { AskCliOptions } from './args';
import { collectProjects, InputError, relTo } from './collect';
import { addNamedSource, addProjectFiles } from './lint-project';

export interface AskIo {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
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
  if (o.file) {
    file = path.resolve(io.cwd, o.file);
    let st: fs.Stats;
    try { st = fs.statSync(file); } catch { throw new InputError(`no such file: ${o.file}`); }
    if (!st.isFile()) throw new InputError(`not a file: ${o.file}`);
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

function envNumber(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
