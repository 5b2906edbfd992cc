// Command-line parsing for `dbe`. Hand-written: the CLI has few options and no dependency is worth it.

export type Format = 'text' | 'json' | 'sarif';
export type FailOn = 'error' | 'warning' | 'info' | 'hint' | 'none';

export interface LintOptions {
  paths: string[];
  format: Format;
  fix: boolean;
  config?: string;
  failOn: FailOn;
  quiet: boolean;
  /** --verbose: print each project's migration plan (tool detected, order, warnings) on stderr. */
  verbose?: boolean;
  /** Use the on-disk parse cache (default true; --no-cache turns it off). */
  cache: boolean;
  /** Threads to use (default: see parallel.ts defaultThreads; 1 = everything on the main thread). */
  jobs?: number;
  /** Also run the embedded PostgreSQL (--sandbox / --no-sandbox); undefined: as .dbe.json says. */
  sandbox?: boolean;
  /** The sandbox's limits (--sandbox-timeout SECONDS, --sandbox-memory MB); undefined: as .dbe.json says, else the defaults. */
  sandboxTimeoutSeconds?: number;
  sandboxMemoryMb?: number;
  /** A live database (--database URL): the schema of projects without migrations comes from its catalog. */
  database?: string;
  statementTimeoutMs?: number;
  /** --check-server local|URL: replay the MySQL migrations on a real MariaDB/MySQL (server-error findings). */
  checkServer?: string;
  /** --dialect: the SQL dialect the files are read as (over .dbe.json's "dialect"; a file name that names a dialect still wins). */
  dialect?: 'postgres' | 'mysql' | 'mariadb';
}

/** `dbe explain <file> --line N`: the plan of the query at that line. */
export interface ExplainOptions {
  file: string;
  line: number;
  format: 'text' | 'json';
  /** Project directory (default: the current directory). */
  project?: string;
  config?: string;
  /** Explain on this live database instead of the sandbox. */
  database?: string;
  statementTimeoutMs?: number;
  /** EXPLAIN ANALYZE (live database only; never for writes). */
  analyze?: boolean;
  sandboxTimeoutSeconds?: number;
  sandboxMemoryMb?: number;
}

/** `dbe slow`: pg_stat_statements' top statements through the rules. */
export interface SlowCliOptions { database?: string; statementTimeoutMs?: number; limit: number; order: 'total' | 'mean'; format: 'text' | 'json'; config?: string; trustConfigDatabase?: boolean }
/** `dbe health`: the monitoring report of a live database. */
export interface HealthCliOptions { database?: string; statementTimeoutMs?: number; format: 'text' | 'json'; config?: string; trustConfigDatabase?: boolean }

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'rules'; format: 'text' | 'json'; rule?: string }
  | { kind: 'lint'; options: LintOptions }
  | { kind: 'advise'; options: AdviseOptions }
  | { kind: 'explain'; options: ExplainOptions }
  | { kind: 'slow'; options: SlowCliOptions }
  | { kind: 'health'; options: HealthCliOptions }
  | { kind: 'ask'; options: AskCliOptions }
  | { kind: 'review'; options: AskCliOptions }
  | { kind: 'format'; options: FormatCliOptions }
  | { kind: 'mcp'; options: McpCliOptions };

/** `dbe mcp`: the agent's tools over MCP on stdio (mcp-command.ts). */
export interface McpCliOptions {
  /** The project folder (default: the current directory). */
  project?: string;
  config?: string;
  /** write_migration may write new files inside the project (the agent client asks before each call). */
  allowWrite: boolean;
}

/** `dbe format <paths> [--check] [--write]`: format the SQL files (engine/format.ts). */
export interface FormatCliOptions {
  paths: string[];
  /** Exit 1 when a file would change. */
  check: boolean;
  /** Rewrite the files (engine/safe-write.ts). */
  write: boolean;
  config?: string;
  /** --keyword-case: overrides .dbe.json "format.keywordCase". */
  keywordCase?: 'preserve' | 'upper' | 'lower';
}

/** `dbe advise`: the index and schema-design report of the projects. */
export interface AdviseOptions {
  paths: string[];
  format: 'text' | 'markdown' | 'json';
  config?: string;
  /** Measure each recommendation in the embedded PostgreSQL (--sandbox / --no-sandbox); undefined: as .dbe.json says. */
  sandbox?: boolean;
}

/** `dbe ask` / `dbe review`: a question to the assistant about a file of the project. */
export interface AskCliOptions {
  question: string;
  file?: string;
  lines?: [number, number];
  /** Project directory (default: the current directory). */
  project?: string;
  model?: string;
  maxTokens?: number;
  /** false (--no-tools): one plain call without the agent's tools. Default: the tools are offered. */
  tools?: boolean;
}

/** A mistake in how dbe was called (exit code 2). */
export class UsageError extends Error {}

const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'hint', 'none'];

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0) return { kind: 'help' };
  const first = argv[0];
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (first === '--version' || first === '-v' || first === 'version') return { kind: 'version' };
  if (first === 'rules') return parseRules(argv.slice(1));
  if (first === 'lint') return { kind: 'lint', options: parseLint(argv.slice(1)) };
  if (first === 'advise') return parseAdvise(argv.slice(1));
  if (first === 'explain') return parseExplain(argv.slice(1));
  if (first === 'slow' || first === 'health') return parseLive(argv.slice(1), first);
  if (first === 'ask') return parseAsk(argv.slice(1), 'ask');
  if (first === 'review') return parseAsk(argv.slice(1), 'review');
  if (first === 'format') return parseFormat(argv.slice(1));
  if (first === 'mcp') return parseMcp(argv.slice(1));
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (try dbe --help)`);
  throw new UsageError(`unknown command "${first}" (commands: lint, advise, format, explain, slow, health, rules, ask, review, mcp; try dbe --help)`);
}

function parseRules(args: string[]): Command {
  let format: 'text' | 'json' = 'text';
  let rule: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const { name, value, next } = split(args, i);
    if (name === '--format') {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      if (v !== 'text' && v !== 'json') throw new UsageError(`--format for dbe rules must be text or json, not "${v}"`);
      format = v;
    } else if (name === '--help' || name === '-h') return { kind: 'help' };
    else if (!args[i].startsWith('-') && rule === undefined) rule = args[i];
    else throw new UsageError(args[i].startsWith('-') ? `unknown option ${args[i]} for dbe rules` : `dbe rules takes one rule id, not "${args[i]}" as well`);
  }
  return { kind: 'rules', format, ...(rule !== undefined ? { rule } : {}) };
}

function parseFormat(args: string[]): Command {
  const o: FormatCliOptions = { paths: [], check: false, write: false };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (onlyPaths || !a.startsWith('-') || a === '-') {
      if (a === '-') throw new UsageError('reading SQL from standard input is not supported; pass file or directory paths');
      o.paths.push(a);
      continue;
    }
    if (a === '--') { onlyPaths = true; continue; }
    const { name, value, next } = split(args, i);
    const takeValue = (): string => { const v = need(name, value ?? args[next]); if (value === undefined) i = next; return v; };
    const noValue = () => { if (value !== undefined) throw new UsageError(`${name} takes no value`); };
    switch (name) {
      case '--check': noValue(); o.check = true; break;
      case '--write': case '-w': noValue(); o.write = true; break;
      case '--config': case '-c': o.config = takeValue(); break;
      case '--keyword-case': {
        const v = takeValue();
        if (v !== 'preserve' && v !== 'upper' && v !== 'lower') throw new UsageError(`--keyword-case must be preserve, upper or lower, not "${v}"`);
        o.keywordCase = v;
        break;
      }
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(`unknown option ${a} for dbe format`);
    }
  }
  if (!o.paths.length) throw new UsageError('dbe format needs file or directory paths');
  return { kind: 'format', options: o };
}

const ADVISE_FORMATS = ['text', 'markdown', 'json'] as const;

function parseAdvise(args: string[]): Command {
  const o: AdviseOptions = { paths: [], format: 'text' };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (onlyPaths || !a.startsWith('-') || a === '-') {
      if (a === '-') throw new UsageError('reading SQL from standard input is not supported; pass file or directory paths');
      o.paths.push(a);
      continue;
    }
    if (a === '--') { onlyPaths = true; continue; }
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    switch (name) {
      case '--format': case '-f': {
        const v = takeValue();
        if (!(ADVISE_FORMATS as readonly string[]).includes(v)) throw new UsageError(`unknown format "${v}" for dbe advise (use text, markdown or json)`);
        o.format = v as AdviseOptions['format'];
        break;
      }
      case '--config': case '-c': o.config = takeValue(); break;
      case '--sandbox': if (value !== undefined) throw new UsageError('--sandbox takes no value'); o.sandbox = true; break;
      case '--no-sandbox': if (value !== undefined) throw new UsageError('--no-sandbox takes no value'); o.sandbox = false; break;
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(`unknown option ${name} for dbe advise (try dbe --help)`);
    }
  }
  if (o.paths.length === 0) throw new UsageError('no paths to advise on (usage: dbe advise <files or directories...>)');
  return { kind: 'advise', options: o };
}

function parseLint(args: string[]): LintOptions {
  const o: LintOptions = { paths: [], format: 'text', fix: false, failOn: 'error', quiet: false, cache: true };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (onlyPaths || !a.startsWith('-') || a === '-') {
      if (a === '-') throw new UsageError('reading SQL from standard input is not supported; pass file or directory paths');
      o.paths.push(a);
      continue;
    }
    if (a === '--') { onlyPaths = true; continue; }
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    const noValue = () => { if (value !== undefined) throw new UsageError(`${name} takes no value`); };
    switch (name) {
      case '--format': case '-f': {
        const v = takeValue();
        if (!FORMATS.includes(v as Format)) throw new UsageError(`unknown format "${v}" (use text, json or sarif)`);
        o.format = v as Format;
        break;
      }
      case '--fail-on': {
        const v = takeValue();
        if (!FAIL_ON.includes(v as FailOn)) throw new UsageError(`--fail-on must be error, warning, info, hint or none, not "${v}"`);
        o.failOn = v as FailOn;
        break;
      }
      case '--config': case '-c': o.config = takeValue(); break;
      case '--jobs': case '-j': {
        const v = takeValue();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, not "${v}"`);
        o.jobs = n;
        break;
      }
      case '--fix': noValue(); o.fix = true; break;
      case '--quiet': case '-q': noValue(); o.quiet = true; break;
      case '--verbose': noValue(); o.verbose = true; break;
      case '--no-cache': noValue(); o.cache = false; break;
      case '--cache': noValue(); o.cache = true; break;
      case '--sandbox': noValue(); o.sandbox = true; break;
      case '--no-sandbox': noValue(); o.sandbox = false; break;
      case '--sandbox-timeout': o.sandboxTimeoutSeconds = sandboxSeconds(takeValue()); break;
      case '--sandbox-memory': o.sandboxMemoryMb = sandboxMb(takeValue()); break;
      case '--database': case '-d': o.database = takeValue(); break;
      case '--statement-timeout': o.statementTimeoutMs = timeoutMs(takeValue()); break;
      case '--check-server': {
        const v = takeValue();
        if (v !== 'local' && !/^(mysql|mariadb):\/\//i.test(v)) throw new UsageError(`--check-server takes "local" or a mysql://user@host[:port] URL, not "${v.replace(/^([a-z][\w+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@')}"`);
        o.checkServer = v;
        break;
      }
      case '--dialect': {
        const v = takeValue();
        if (v !== 'postgres' && v !== 'mysql' && v !== 'mariadb') throw new UsageError(`--dialect must be postgres, mysql or mariadb, not "${v}"`);
        o.dialect = v;
        break;
      }
      default: throw new UsageError(`unknown option ${name} (try dbe --help)`);
    }
  }
  if (o.paths.length === 0) throw new UsageError('no paths to lint (usage: dbe lint <files or directories...>)');
  return o;
}

function parseExplain(args: string[]): Command {
  let file: string | undefined, line: number | undefined, format: 'text' | 'json' = 'text', project: string | undefined, config: string | undefined;
  let database: string | undefined, statementTimeoutMs: number | undefined, analyze = false;
  let sandboxTimeoutSeconds: number | undefined, sandboxMemoryMb: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      if (file !== undefined) throw new UsageError(`dbe explain takes one file, not "${file}" and "${a}"`);
      file = a;
      continue;
    }
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    switch (name) {
      case '--line': case '-l': {
        const v = takeValue();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1) throw new UsageError(`--line must be a line number (1 or more), not "${v}"`);
        line = n;
        break;
      }
      case '--format': case '-f': {
        const v = takeValue();
        if (v !== 'text' && v !== 'json') throw new UsageError(`--format for dbe explain must be text or json, not "${v}"`);
        format = v;
        break;
      }
      case '--project': case '-p': project = takeValue(); break;
      case '--config': case '-c': config = takeValue(); break;
      case '--database': case '-d': database = takeValue(); break;
      case '--statement-timeout': statementTimeoutMs = timeoutMs(takeValue()); break;
      case '--analyze': if (value !== undefined) throw new UsageError('--analyze takes no value'); analyze = true; break;
      case '--sandbox-timeout': sandboxTimeoutSeconds = sandboxSeconds(takeValue()); break;
      case '--sandbox-memory': sandboxMemoryMb = sandboxMb(takeValue()); break;
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(`unknown option ${name} for dbe explain (try dbe --help)`);
    }
  }
  if (analyze && !database && !process.env.DBE_DATABASE_URL) throw new UsageError('--analyze needs a live database (--database URL): the sandbox holds no data to run the query on');
  if (file === undefined) throw new UsageError('no file (usage: dbe explain <file.sql> --line N [--format text|json])');
  if (line === undefined) throw new UsageError('--line N is needed: the line of the query to explain');
  return { kind: 'explain', options: { file, line, format, project, config, database, statementTimeoutMs, analyze, sandboxTimeoutSeconds, sandboxMemoryMb } };
}

function sandboxSeconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 1 && n <= 3600)) throw new UsageError(`--sandbox-timeout must be a number of seconds from 1 to 3600, not "${v}"`);
  return n;
}

function sandboxMb(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 512 || n > 16384) throw new UsageError(`--sandbox-memory must be a whole number of MB from 512 to 16384, not "${v}"`);
  return n;
}

function timeoutMs(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 3_600_000) throw new UsageError(`--statement-timeout must be milliseconds from 1 to 3600000, not "${v}"`);
  return n;
}

function parseLive(args: string[], kind: 'slow' | 'health'): Command {
  let database: string | undefined, statementTimeoutMs: number | undefined, format: 'text' | 'json' = 'text', config: string | undefined;
  let limit = 10, order: 'total' | 'mean' = 'total', trust = false;
  for (let i = 0; i < args.length; i++) {
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    switch (name) {
      case '--database': case '-d': database = takeValue(); break;
      case '--statement-timeout': statementTimeoutMs = timeoutMs(takeValue()); break;
      case '--config': case '-c': config = takeValue(); break;
      case '--trust-config-database': if (value !== undefined) throw new UsageError('--trust-config-database takes no value'); trust = true; break;
      case '--format': case '-f': {
        const v = takeValue();
        if (v !== 'text' && v !== 'json') throw new UsageError(`--format for dbe ${kind} must be text or json, not "${v}"`);
        format = v;
        break;
      }
      case '--limit': case '-n': {
        if (kind !== 'slow') throw new UsageError('--limit is an option of dbe slow');
        const v = takeValue();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, not "${v}"`);
        limit = n;
        break;
      }
      case '--order': {
        if (kind !== 'slow') throw new UsageError('--order is an option of dbe slow');
        const v = takeValue();
        if (v !== 'total' && v !== 'mean') throw new UsageError(`--order must be total or mean, not "${v}"`);
        order = v;
        break;
      }
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(args[i].startsWith('-') ? `unknown option ${name} for dbe ${kind} (try dbe --help)` : `dbe ${kind} takes no paths ("${args[i]}"); it reads the database --database names`);
    }
  }
  const t = trust ? { trustConfigDatabase: true } : {};
  if (kind === 'slow') return { kind, options: { database, statementTimeoutMs, limit, order, format, config, ...t } };
  return { kind, options: { database, statementTimeoutMs, format, config, ...t } };
}

function parseMcp(args: string[]): Command {
  const o: McpCliOptions = { allowWrite: false };
  for (let i = 0; i < args.length; i++) {
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    switch (name) {
      case '--project': case '-p': o.project = takeValue(); break;
      case '--config': case '-c': o.config = takeValue(); break;
      case '--allow-write': if (value !== undefined) throw new UsageError('--allow-write takes no value'); o.allowWrite = true; break;
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(args[i].startsWith('-') ? `unknown option ${name} for dbe mcp (try dbe --help)` : `dbe mcp takes no paths ("${args[i]}"); name the project with --project DIR`);
    }
  }
  return { kind: 'mcp', options: o };
}

function parseAsk(args: string[], kind: 'ask' | 'review'): Command {
  const o: AskCliOptions = { question: '' };
  const words: string[] = [];
  let onlyWords = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (onlyWords || !a.startsWith('-') || a === '-') { words.push(a); continue; }
    if (a === '--') { onlyWords = true; continue; }
    const { name, value, next } = split(args, i);
    const takeValue = (): string => {
      const v = need(name, value ?? args[next]);
      if (value === undefined) i = next;
      return v;
    };
    switch (name) {
      case '--file': o.file = takeValue(); break;
      case '--project': case '-p': o.project = takeValue(); break;
      case '--model': case '-m': o.model = takeValue(); break;
      case '--lines': case '-l': {
        const v = takeValue();
        const m = /^(\d+)(?:[-:,](\d+))?$/.exec(v);
        const a1 = m ? Number(m[1]) : NaN, b1 = m ? Number(m[2] ?? m[1]) : NaN;
        if (!m || a1 < 1 || b1 < a1) throw new UsageError(`--lines must be a line range like 10-20, not "${v}"`);
        o.lines = [a1, b1];
        break;
      }
      case '--max-tokens': {
        const v = takeValue();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 128000) throw new UsageError(`--max-tokens must be a whole number from 1 to 128000, not "${v}"`);
        o.maxTokens = n;
        break;
      }
      case '--no-tools':
        if (value !== undefined) throw new UsageError('--no-tools takes no value');
        o.tools = false;
        break;
      case '--help': case '-h': return { kind: 'help' };
      default: throw new UsageError(`unknown option ${name} for dbe ${kind} (try dbe --help)`);
    }
  }
  if (kind === 'review') {
    if (!o.file) o.file = words.shift();
    if (!o.file) throw new UsageError('no file to review (usage: dbe review <file.sql> [--lines A-B])');
    o.question = words.join(' ');
  } else {
    o.question = words.join(' ').trim();
    if (!o.question) throw new UsageError('no question (usage: dbe ask [--file F] [--lines A-B] "question")');
  }
  if (o.lines && !o.file) throw new UsageError('--lines needs --file');
  return { kind, options: o };
}

/** Splits `--name=value` forms; `next` is the index of the following argument. */
function split(args: string[], i: number): { name: string; value: string | undefined; next: number } {
  const a = args[i];
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  if (eq > 0) return { name: a.slice(0, eq), value: a.slice(eq + 1), next: i + 1 };
  return { name: a, value: undefined, next: i + 1 };
}

function need(name: string, v: string | undefined): string {
  if (v === undefined || (v.startsWith('-') && v.length > 1)) throw new UsageError(`${name} needs a value`);
  return v;
}
