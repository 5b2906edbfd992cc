// `dbe mcp`: the agent's tools (server/src/agent/tools) over the Model Context Protocol, on stdio,
// for Claude Code, Cursor, VS Code, Claude Desktop and other MCP clients. The tools' own JSON
// schemas are served as they are (one source of truth): the SDK's low-level Server, not McpServer
// (which wants zod schemas). stdout carries the protocol only; every log line goes to stderr.
// Decision 0043.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { cliToolContext, type CliToolContext } from '../agent/cli-context';
import type { ToolContext, ToolResult, ToolSpec, WriteRequest } from '../agent/tool';
import { runTool, TOOLS, TOOLS_BY_NAME } from '../agent/tools';
import { START_LIMIT_MS } from '../sandbox/runner';
import type { McpCliOptions } from './args';
import { collectProjects, InputError } from './collect';
import { loadMcpSdk, type McpSdk } from './mcp-sdk';
import { VERSION } from './version';

interface Io { err(s: string): void; cwd: string }

/** What write_migration's answer gains when nobody may write: how the user lets agents write. */
export const ALLOW_WRITE_NOTE = 'Nothing was written: this MCP server was started without --allow-write. Show the user the files above; '
  + 'to let agents write migration files, start dbe mcp with --allow-write (your agent client asks you before each tool call).';

/** A tool as MCP's tools/list shows it: the schema exactly as the tool declares it. */
export function mcpTool(t: ToolSpec): Tool {
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: t.inputSchema as Tool['inputSchema'],
    annotations: {
      title: t.title,
      readOnlyHint: !t.writes,
      // write_migration adds files and never replaces one (cli-context.ts): not destructive.
      destructiveHint: false,
      // Only the live tools reach beyond the project (the user's database, read-only).
      openWorldHint: !!t.live,
    },
  };
}

/**
 * A tool's answer as an MCP CallToolResult: the text written for the model, isError. No
 * structuredContent: Claude Code, VS Code and Copilot CLI hand the model structuredContent INSTEAD of
 * the text when both are present (decision 0043), and the text is what the tools write for a model.
 */
export function mcpResult(r: ToolResult): CallToolResult {
  return { content: [{ type: 'text', text: r.text }], ...(r.isError ? { isError: true } : {}) };
}

/** write_migration's answer when it had files to write and nobody to ask (data.written false with files). */
function proposedOnly(r: ToolResult): boolean {
  const d = r.data as { written?: unknown; files?: unknown } | undefined;
  return !r.isError && !!d && typeof d === 'object' && d.written === false && Array.isArray(d.files) && d.files.length > 0;
}

/** A one-line, control-free rendering of a value for the log. */
function oneLine(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** What a project's files are now (paths, sizes, modification times; .dbe.json's too): a change means re-read. */
export function projectStamp(root: string, config: string | undefined, cwd: string): string {
  try {
    const [spec] = collectProjects([root], config, cwd);
    const files = [...spec.files, ...(spec.context ?? []), ...(spec.configFile ? [spec.configFile] : [])];
    return files.map((f) => { try { const st = fs.statSync(f); return `${f}\0${st.size}\0${st.mtimeMs}`; } catch { return `${f}\0gone`; } }).join('\n');
  } catch (e: any) {
    return `unreadable: ${e?.message ?? e}`;
  }
}

export interface McpServerOptions {
  /** The tools' context for the next call: re-read when the project changed (mcpCommand). */
  context(): Promise<ToolContext>;
  allowWrite: boolean;
  root: string;
  log(s: string): void;
}

/** The MCP server over the tools: tools/list with their own schemas, tools/call through runTool, one call at a time. */
export function createMcpServer(sdk: McpSdk, o: McpServerOptions) {
  const server = new sdk.Server(
    { name: 'dbe', title: 'DB Engineer', version: VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: `DB Engineer's tools for the SQL project at ${o.root}: its schema as the migrations leave it (list_tables, describe_table), `
        + 'the rules (lint_sql), an embedded PostgreSQL on generated data (explain_query, compare_index, validate_migration), '
        + `and new migration files in the project's convention (write_migration${o.allowWrite ? '' : ', which only proposes files unless the server runs with --allow-write'}). `
        + 'Start with list_tables.',
    },
  );
  const tools = TOOLS.map(mcpTool);
  server.setRequestHandler(sdk.ListToolsRequestSchema, async () => ({ tools }));
  // One call at a time: the sandbox is one worker, and a re-read project must not change under a call.
  let queue: Promise<unknown> = Promise.resolve();
  server.setRequestHandler(sdk.CallToolRequestSchema, (req, extra): Promise<CallToolResult> => {
    const call = queue.then(async (): Promise<CallToolResult> => {
      const { name, arguments: args } = req.params;
      let ctx: ToolContext;
      try { ctx = await o.context(); } catch (e: any) {
        const msg = oneLine(String(e?.message ?? e), 300);
        o.log(`reading the project: ${msg}`);
        return mcpResult({ text: `The project could not be read: ${msg}`, summary: 'project unreadable', isError: true });
      }
      const r = await runTool(name, args ?? {}, { ...ctx, signal: extra.signal });
      o.log(r.summary);
      const spec = TOOLS_BY_NAME.get(name);
      if (spec?.writes && !o.allowWrite && proposedOnly(r)) return mcpResult({ ...r, text: `${r.text}\n\n${ALLOW_WRITE_NOTE}` });
      return mcpResult(r);
    });
    queue = call.catch(() => undefined);
    return call;
  });
  server.onerror = (e) => o.log(`protocol: ${e?.message ?? e}`);
  /** Resolves when the calls received so far have been answered. */
  const idle = (): Promise<void> => queue.then(() => undefined);
  return { server, idle };
}

export async function mcpCommand(o: McpCliOptions, io: Io): Promise<number> {
  // The project must exist and be a folder before anything is served (exit 2 with one line otherwise).
  const root = path.resolve(io.cwd, o.project ?? '.');
  let st: fs.Stats;
  try { st = fs.statSync(root); } catch (e: any) {
    throw new InputError(e?.code === 'ENOENT' ? `no such project folder: ${o.project ?? root}` : `cannot read the project folder ${o.project ?? root}: ${e?.code ?? e?.message}`);
  }
  if (!st.isDirectory()) throw new InputError(`--project must be a folder, and ${o.project ?? root} is a file`);

  const log = (s: string) => io.err(`dbe mcp: ${oneLine(s, 500)}\n`);
  const confirm = o.allowWrite
    ? async (req: WriteRequest): Promise<boolean> => {
      // The agent client's permission prompt before the tool call was the user's confirmation.
      log(`writing ${req.files.map((f) => f.path).join(', ')} (--allow-write)`);
      return true;
    }
    : undefined;
  const open = () => cliToolContext({ root, config: o.config, cwd: io.cwd, confirm, database: o.database });
  // Read once before serving (a bad .dbe.json is exit 2 here), then again whenever the files changed:
  // a migration written by write_migration, or edited by the user or the agent, is in the next answer.
  let stamp = projectStamp(root, o.config, io.cwd);
  let ctx: CliToolContext = await open();
  const context = async (): Promise<ToolContext> => {
    const now = projectStamp(root, o.config, io.cwd);
    if (now !== stamp) {
      log('the project\'s files changed: reading them again');
      const old = ctx;
      stamp = now;
      ctx = await open();
      await old.close().catch(() => undefined);
    }
    return ctx;
  };

  // stdout is the protocol's alone: the transport keeps the real stdout, and anything else that
  // writes to process.stdout (a library's console.log, a worker's piped output) goes to stderr.
  const wire = process.stdout;
  const wireWrite = wire.write.bind(wire) as (chunk: string) => boolean;
  const protocolOut = { write: (chunk: string) => wireWrite(chunk), once: (ev: string, fn: () => void) => wire.once(ev, fn) } as unknown as Writable;
  (process.stdout as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  console.log = console.info = console.debug = (...a: unknown[]) => { console.error(...a); };

  const sdk = await loadMcpSdk();
  const { server, idle } = createMcpServer(sdk, { context, allowWrite: o.allowWrite, root: ctx.root ?? root, log });

  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => { done = resolve; });
  let closing = false;
  const shutdown = async (why: string, drain = false): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`stopping (${why})`);
    // A call that does not end, or a sandbox that does not stop, in time does not keep the process alive.
    // Draining waits longer than the sandbox's own start limit, so a call that is starting the sandbox is
    // answered (or stopped by the sandbox's watchdog, with a message) before the backstop cuts it off.
    const backstop = setTimeout(() => { log('the calls in flight or the sandbox did not end in time; exiting'); process.exit(0); }, drain ? START_LIMIT_MS + 30_000 : 5000);
    backstop.unref();
    // The client closed its end after its last request: the calls already received are answered first.
    // (setImmediate first: the requests read just before the end reach the queue in microtasks.)
    if (drain) { await new Promise((r) => setImmediate(r)); await idle(); }
    try { await ctx.close(); } catch (e: any) { log(`closing the sandbox: ${e?.message ?? e}`); }
    try { await server.close(); } catch { /* the transport is gone already */ }
    process.stdin.destroy();
    done(0);
  };
  process.stdin.on('end', () => { void shutdown('the client closed stdin', true); });
  process.stdin.on('close', () => { void shutdown('the client closed stdin', true); });
  process.on('SIGINT', () => { void shutdown('SIGINT'); });
  process.on('SIGTERM', () => { void shutdown('SIGTERM'); });
  wire.on('error', () => { void shutdown('stdout closed'); });

  await server.connect(new sdk.StdioServerTransport(process.stdin, protocolOut));
  log(`serving ${TOOLS.length} tools for ${ctx.root ?? root}${o.allowWrite ? ' (--allow-write: write_migration writes new files inside the project)' : ''}${ctx.sandboxOff ? `; sandbox off: ${ctx.sandboxOff}` : ''}`);
  const code = await finished;
  // Nothing else should hold the process; if something does, it does not outlive the client.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
