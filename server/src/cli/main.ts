// `dbe`: the command-line entry. Commands live in their own files; this file dispatches and maps
// failures to exit codes (0 clean, 1 findings at the fail level, 2 usage/input/configuration errors).
// The same bundle is also the body of the CLI's worker threads (see parallel.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseArgs, UsageError } from './args';
import { InputError } from './collect';
import { HELP } from './help';
import { lintCommand } from './lint-command';
import { runUnits, type WorkerReply, type WorkerRequest } from './parallel';
import { ruleDocCommand, rulesCommand } from './rules-command';
import { initParser } from '../sql/parse';
import { timingReport } from './timing';
import { VERSION } from './version';
import { terminalSafe } from './terminal';

async function main(argv: string[]): Promise<number> {
  // Every line the CLI prints passes here: control characters in it are shown, never obeyed (terminal.ts).
  const io = {
    out: (s: string) => { process.stdout.write(terminalSafe(s)); },
    err: (s: string) => { process.stderr.write(terminalSafe(s)); },
    /** For the CLI's own terminal control (a progress line rewritten in place); its text is made safe by the caller. */
    errControl: (s: string) => { process.stderr.write(s); },
    cwd: process.cwd(),
    script: __filename,
  };
  try {
    const cmd = parseArgs(argv);
    switch (cmd.kind) {
      case 'help': io.out(HELP); return 0;
      case 'version': io.out(`dbe ${VERSION}\n`); return 0;
      case 'rules': io.out(cmd.rule !== undefined ? ruleDocCommand(cmd.rule, cmd.format) : rulesCommand(cmd.format)); return 0;
      case 'lint':
        if (cmd.options.database || process.env.DBE_DATABASE_URL) return await (await import('./live-command')).liveLint(cmd.options, io);
        return await lintCommand(cmd.options, io);
      case 'advise': return await (await import('./advise-command')).adviseCommand(cmd.options, io);
      case 'explain':
        if (cmd.options.database || process.env.DBE_DATABASE_URL) return await (await import('./live-command')).liveExplain(cmd.options, io);
        return await (await import('./sandbox-command')).explainCommand(cmd.options, io);
      case 'slow': return await (await import('./live-command')).slowCommand(cmd.options, io);
      case 'health': return await (await import('./live-command')).healthCommand(cmd.options, io);
      // The assistant (and the Anthropic SDK with it) is loaded only when asked for: lint starts faster.
      case 'ask': return await (await import('./ask-command')).askCommand(cmd.options, io);
      case 'review': return await (await import('./review-command')).reviewCommand(cmd.options, io);
      case 'format': return await (await import('./format-command')).formatCommand(cmd.options, io);
      // The MCP server (and its SDK) is loaded only for `dbe mcp`.
      case 'mcp': return await (await import('./mcp-command')).mcpCommand(cmd.options, io);
    }
  } catch (e: any) {
    if (e instanceof UsageError || e instanceof InputError) { io.err(`dbe: ${e.message}\n`); return 2; }
    io.err(`dbe: unexpected failure: ${e?.message ?? e}\n`);
    if (process.env.DBE_DEBUG) io.err(String(e?.stack) + '\n');
    return 2;
  }
}

async function worker(req: WorkerRequest): Promise<void> {
  let reply: WorkerReply;
  try {
    await initParser();
    const results = runUnits(req.units, req.options);
    reply = { ok: true, results, timing: timingReport('worker') };
  } catch (e: any) {
    reply = { ok: false, input: e instanceof InputError, message: String(e?.message ?? e) };
  }
  parentPort!.postMessage(reply);
}

if (!isMainThread && (workerData as WorkerRequest | undefined)?.dbeWorker) void worker(workerData as WorkerRequest);
else {
  // A reader that stops early (dbe lint ... | head) is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
  }
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
