// The tools' context outside the editor (`dbe ask`, `dbe mcp`): the project under a root folder, read
// from disk as `dbe lint` reads it, a sandbox started on first use, and writes that stay inside the
// root and never replace a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectProjects, relTo } from '../cli/collect';
import { addProjectFiles } from '../cli/lint-project';
import { Project } from '../engine/project';
import { writeAllOrNothing } from '../engine/safe-write';
import { cliAgentSandbox } from '../sandbox/agent';
import { initParser } from '../sql/parse';
import { cliLiveAccess } from './live-access';
import type { AgentSandbox, ToolContext, WriteRequest } from './tool';

export interface CliToolContext extends ToolContext {
  /** Ends the sandbox worker, if one was started. */
  close(): Promise<void>;
}

export interface CliContextOptions {
  /** The project's root folder (absolute). */
  root: string;
  /** .dbe.json elsewhere than the root. */
  config?: string;
  cwd: string;
  /**
   * The live database for slow_queries and health (read-only): --database as `dbe slow` takes it;
   * without it DBE_DATABASE_URL, then .dbe.json "database". None: the live tools say how to set one.
   */
  database?: string;
  /** `--trust-config-database`: a .dbe.json URL may get the password (as for `dbe slow`). */
  trustConfigDatabase?: boolean;
  statementTimeoutMs?: number;
  /** PGPASSWORD, DBE_DATABASE_URL... (tests); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Asks the user (a terminal prompt, an MCP flag); undefined: write_migration only proposes. */
  confirm?(req: WriteRequest): Promise<boolean>;
  signal?: AbortSignal;
  /** The project under `root` already read the same way (`dbe ask` reads it for its context): not read twice. */
  project?: Project;
}

/** Inside `root` (not root itself) after resolving; undefined otherwise. */
export function insideRoot(root: string, p: string): string | undefined {
  if (typeof p !== 'string' || !p || p.includes('\0')) return undefined;
  const abs = path.resolve(root, p);
  const rel = path.relative(root, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return abs;
}

export async function cliToolContext(o: CliContextOptions): Promise<CliToolContext> {
  await initParser();
  const [spec] = collectProjects([o.root], o.config, o.cwd);
  const project = o.project ?? new Project(spec.config, (p) => relTo(spec.root, p));
  if (!o.project) addProjectFiles(project, spec);
  let sandbox: (AgentSandbox & { close(): Promise<void> }) | undefined;
  const lazy = (): AgentSandbox & { close(): Promise<void> } => (sandbox ??= cliAgentSandbox(project, spec.config));
  const familyOff = project.mainFamily() !== 'postgres'
    ? 'the project\'s SQL is MySQL/MariaDB, and the sandbox is PostgreSQL (PGlite); use dbe lint --check-server for a real server\'s verdict'
    : undefined;
  const ctx: CliToolContext = {
    project,
    root: spec.root,
    resolvePath: (p) => insideRoot(spec.root, p),
    showPath: (key) => relTo(spec.root, key).split(path.sep).join('/'),
    ...(familyOff ? { sandboxOff: familyOff } : {
      sandbox: {
        explain: (sql) => lazy().explain(sql),
        compareIndex: (sql, idx) => lazy().compareIndex(sql, idx),
        validate: (up, down) => lazy().validate(up, down),
      },
    }),
    ...cliLiveAccess({ database: o.database, config: spec.config, trustConfigDatabase: o.trustConfigDatabase, statementTimeoutMs: o.statementTimeoutMs, env: o.env }),
    signal: o.signal,
    close: async () => { await sandbox?.close(); },
  };
  if (o.confirm) {
    const confirm = o.confirm;
    ctx.confirmWrite = async (req) => {
      const targets = req.files.map((f) => ({ f, abs: insideRoot(spec.root, f.path) }));
      const outside = targets.find((t) => !t.abs);
      if (outside) return { written: false, reason: `${outside.f.path} is outside the project` };
      const taken = targets.find((t) => fs.existsSync(t.abs!));
      if (taken) return { written: false, reason: `${taken.f.path} already exists; nothing was written` };
      if (!(await confirm(req))) return { written: false, reason: 'the user declined' };
      // the project's one way to write files: all or none, never over a file, never through a link that leaves the root
      const out = writeAllOrNothing(targets.map((t) => ({ path: t.abs!, text: t.f.text, create: true })), [spec.root], (p) => relTo(spec.root, p).split(path.sep).join('/'));
      if (!out.ok) return { written: false, reason: `${out.message}; nothing was written` };
      return { written: true, paths: targets.map((t) => t.f.path) };
    };
  }
  return ctx;
}
