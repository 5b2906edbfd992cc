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
import { runTool, TOOLS } from '../agent/tools';
import type { McpCliOptions } from './args';
import { InputError } from './collect';
import { loadMcpSdk } from './mcp-sdk';
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

/** A one-line, control-free rendering of a value for the log. */
function oneLine(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
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
  const ctx: CliToolContext = await cliToolContext({ root, config: o.config, cwd: io.cwd, confirm });

  // stdout is the protocol's alone: the transport keeps the real stdout, and anything else that
  // writes to process.stdout (a library's console.log, a worker's piped output) goes to stderr.
  const wire = process.stdout;
  const wireWrite = wire.write.bind(wire) as (chunk: string) => boolean;
  const protocolOut = { write: (chunk: string) => wireWrite(chunk), once: (ev: string, fn: () => void) => wire.once(ev, fn) } as unknown as Writable;
  (process.stdout as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  console.log = console.info = console.debug = (...a: unknown[]) => { console.error(...a); };

  const { Server, StdioServerTransport, CallToolRequestSchema, ListToolsRequestSchema } = await loadMcpSdk();
  const server = new Server(
    { name: 'dbe', title: 'DB Engineer', version: VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: `DB Engineer's tools for the SQL project at ${ctx.root ?? root}: its schema as the migrations leave it (list_tables, describe_table), `
        + 'the rules (lint_sql), an embedded PostgreSQL on generated data (explain_query, compare_index, validate_migration), '
        + `and new migration files in the project's convention (write_migration${o.allowWrite ? '' : ', which only proposes files unless the server runs with --allow-write'}). `
        + 'Start with list_tables.',
    },
  );
  const tools = TOOLS.map(mcpTool);
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = req.params;
    const callCtx: ToolContext = { ...ctx, signal: extra.signal };
    const r = await runTool(name, args ?? {}, callCtx);
    log(r.summary);
    if (name === 'write_migration' && !o.allowWrite && !r.isError) return mcpResult({ ...r, text: `${r.text}\n\n${ALLOW_WRITE_NOTE}` });
    return mcpResult(r);
  });
  server.onerror = (e) => log(`protocol: ${e?.message ?? e}`);

  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => { done = resolve; });
  let closing = false;
  const shutdown = async (why: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`stopping (${why})`);
    // A sandbox that does not stop in time does not keep the process alive.
    const backstop = setTimeout(() => { log('the sandbox did not stop in 5 s; exiting'); process.exit(0); }, 5000);
    backstop.unref();
    try { await ctx.close(); } catch (e: any) { log(`closing the sandbox: ${e?.message ?? e}`); }
    try { await server.close(); } catch { /* the transport is gone already */ }
    process.stdin.destroy();
    done(0);
  };
  process.stdin.on('end', () => { void shutdown('the client closed stdin'); });
  process.stdin.on('close', () => { void shutdown('the client closed stdin'); });
  process.on('SIGINT', () => { void shutdown('SIGINT'); });
  process.on('SIGTERM', () => { void shutdown('SIGTERM'); });
  wire.on('error', () => { void shutdown('stdout closed'); });

  const transport = new StdioServerTransport(process.stdin, protocolOut);
  await server.connect(transport);
  log(`serving ${tools.length} tools for ${ctx.root ?? root}${o.allowWrite ? ' (--allow-write: write_migration writes new files inside the project)' : ''}${ctx.sandboxOff ? `; sandbox off: ${ctx.sandboxOff}` : ''}`);
  const code = await finished;
  // Nothing else should hold the process; if something does, it does not outlive the client.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
