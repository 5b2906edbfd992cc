// Replays a project's MySQL migrations into a throwaway database of a real server (a local throwaway
// server, or one the user names) and reports what the server rejects: the `server-error` findings.
// Isolation: the database is `dbe_check_<random>`, created with CREATE DATABASE (never IF NOT EXISTS,
// so never one that exists) and dropped at the end whatever happens; on a named server no statement
// that could reach outside it is sent (scope.ts). Limits: a time limit per statement (the server's own
// max_statement_time / max_execution_time, and a KILL QUERY from a second connection when that is not
// enough), a time budget for the whole replay, and a cap on the rows a statement may read to insert
// (max_join_size, recursion depth), so a migration that loads a lot of data cannot hang the check.
import { randomBytes } from 'node:crypto';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { loadMySqlDriver } from './driver';
import { splitMySql } from '../dialects/mysql/split';
import { lex, type MyToken } from '../dialects/mysql/lex';
import type { Finding, Severity } from '../model';
import type { LocalServer } from './local';
import { outsideReason, SYSTEM_SCHEMAS, useTarget } from './scope';

/** How to reach the server: made with localTarget() or urlTarget(). */
export interface CheckServer {
  /** mysql2 connection options (no database). */
  connection: ConnectionOptions;
  /** True for the local throwaway server: statements about other databases may run there. */
  local: boolean;
  /** For messages: where (never the password). */
  display: string;
}

/** A wrong --check-server URL, or a server that cannot host the check: one line, for the user. */
export class CheckRefused extends Error {}

export interface CheckFile { path: string; text: string }

export interface CheckOptions {
  /** A statement running longer is stopped (default 10 s). */
  statementTimeoutMs?: number;
  /** The whole replay stops after this (default 120 s); the rest is reported as not checked. */
  budgetMs?: number;
  /** Most rows a statement may read to insert or a recursive CTE may make (default 100,000). */
  maxRows?: number;
  /** Runs after the replay, before the database is dropped (evidence for missing-index). */
  afterReplay?: (session: ReplaySession) => Promise<void>;
}

export interface ReplaySession {
  connection: Connection;
  database: string;
  flavor: Flavor;
}

export interface ServerError {
  path: string;
  /** UTF-16 offsets in the file: the token the server points at when it says which, else the statement. */
  start: number;
  end: number;
  /** e.g. 'ER_NO_SUCH_TABLE' ('' when the driver has no name for the number). */
  code: string;
  errno: number;
  /** The server's message. */
  message: string;
  /** Later statements that failed only because this one did (not reported themselves). */
  followOns?: number;
}

export interface NotChecked { path: string; start: number; end: number; reason: string }

export interface CheckResult {
  /** "MariaDB 10.11" / "MySQL 8.0". */
  server: string;
  version: string;
  database: string;
  errors: ServerError[];
  notChecked: NotChecked[];
  /** Statements sent to the server. */
  ran: number;
  /** Set when the replay stopped before the end (budget, lost connection). */
  stopped?: string;
  /** Set when the throwaway database could not be dropped (it is named in the message). */
  dropFailed?: string;
  ms: number;
}

export interface Flavor { mariadb: boolean; label: string; version: string }

const DEFAULTS = { statementTimeoutMs: 10_000, budgetMs: 120_000, maxRows: 100_000 };

/** The local throwaway server as a check target. */
export function localTarget(server: LocalServer): CheckServer {
  return { connection: { socketPath: server.socketPath, user: 'root' }, local: true, display: `the local ${server.binary.label} (${server.binary.path})` };
}

/** `mysql://user[:password]@host[:port][/ignored][?ssl=true|socket=/path]`; the password may also come from MYSQL_PWD. */
export function urlTarget(url: string, env: NodeJS.ProcessEnv = process.env): CheckServer {
  let u: URL;
  try { u = new URL(url); } catch { throw new CheckRefused(`--check-server: "${redactUrl(url)}" is not a URL (mysql://user@host:3306, or "local")`); }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new CheckRefused(`--check-server: ${redactUrl(url)} is not a mysql:// or mariadb:// URL`);
  const user = decodeURIComponent(u.username);
  if (!user) throw new CheckRefused(`--check-server: ${redactUrl(url)} names no user (mysql://user@host)`);
  const password = u.password ? decodeURIComponent(u.password) : env.MYSQL_PWD;
  const socket = u.searchParams.get('socket');
  const ssl = u.searchParams.get('ssl') ?? u.searchParams.get('ssl-mode');
  const connection: ConnectionOptions = {
    user, ...(password ? { password } : {}),
    ...(socket ? { socketPath: socket } : { host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost', port: u.port ? Number(u.port) : 3306 }),
    ...(ssl && !/^(false|0|disabled?)$/i.test(ssl) ? { ssl: { rejectUnauthorized: !/^(preferred|required)$/i.test(ssl) || /verify/i.test(ssl) } } : {}),
  };
  return { connection, local: false, display: redactUrl(url) };
}

/** The URL without its password. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@');
}

const BASE: ConnectionOptions = { multipleStatements: false, connectTimeout: 10_000, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true };

async function connect(server: CheckServer, database?: string): Promise<Connection> {
  const mysql = await loadMySqlDriver();
  try {
    return await mysql.createConnection({ ...BASE, ...server.connection, ...(database ? { database } : {}) });
  } catch (e: any) {
    throw new CheckRefused(`cannot connect to ${server.display}: ${oneLine(e?.sqlMessage ?? e?.message ?? String(e))}`);
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The server's name and version, from SELECT VERSION(). */
export async function flavorOf(conn: Connection): Promise<Flavor> {
  const [rows] = await conn.query('SELECT VERSION() AS v');
  const version = String((rows as any[])[0].v);
  const mariadb = /mariadb/i.test(version);
  const m = /^(\d+)\.(\d+)/.exec(version);
  return { mariadb, version, label: `${mariadb ? 'MariaDB' : 'MySQL'} ${m ? `${m[1]}.${m[2]}` : version}` };
}

/** The session limits: server-side time limit, row caps. Each one the server does not know is skipped. */
async function setLimits(conn: Connection, flavor: Flavor, o: typeof DEFAULTS): Promise<void> {
  const sets = flavor.mariadb
    ? [`max_statement_time = ${(o.statementTimeoutMs / 1000).toFixed(3)}`, `max_recursive_iterations = ${o.maxRows}`]
    : [`max_execution_time = ${o.statementTimeoutMs}`, `cte_max_recursion_depth = ${o.maxRows}`];
  sets.push(`max_join_size = ${o.maxRows}`, 'sql_select_limit = 1000');
  for (const s of sets) await conn.query(`SET SESSION ${s}`).catch(() => undefined);
}

/** Error numbers that are our limits at work, not the migration's fault. */
const LIMIT_ERRORS = new Map<number, (o: typeof DEFAULTS) => string>([
  [1969, (o) => `it ran longer than ${o.statementTimeoutMs / 1000} s and was stopped`],
  [3024, (o) => `it ran longer than ${o.statementTimeoutMs / 1000} s and was stopped`],
  [1317, (o) => `it ran longer than ${o.statementTimeoutMs / 1000} s and was stopped`],
  [1104, (o) => `it would read more than ${o.maxRows.toLocaleString('en-US')} rows (the check's cap on data loads)`],
  [1931, (o) => `it would make more than ${o.maxRows.toLocaleString('en-US')} rows (the check's cap on data loads)`],
  [3636, (o) => `it would make more than ${o.maxRows.toLocaleString('en-US')} rows (the check's cap on data loads)`],
]);

/** MariaDB's own numbers that mysql2 has no name for. */
const MARIADB_CODES: Record<number, string> = {
  1901: 'ER_GENERATED_COLUMN_FUNCTION_IS_NOT_ALLOWED', 1969: 'ER_STATEMENT_TIMEOUT', 4029: 'ER_EXPRESSION_REFERS_TO_UNINIT_FIELD', 4161: 'ER_UNKNOWN_DATA_TYPE',
};

const quoteName = (n: string) => '`' + n.replace(/`/g, '``') + '`';

/** Creates `dbe_check_<random>` (a fresh name: CREATE DATABASE fails on one that exists). */
async function createThrowaway(admin: Connection, server: CheckServer): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = `dbe_check_${randomBytes(6).toString('hex')}`;
    try {
      await admin.query(`CREATE DATABASE ${quoteName(name)}`);
      return name;
    } catch (e: any) {
      if (e?.errno === 1007) continue; // exists: another name
      const [rows] = await admin.query('SELECT CURRENT_USER() AS u').catch(() => [[{ u: '?' }]] as any);
      throw new CheckRefused(`the account ${(rows as any[])[0]?.u ?? '?'} on ${server.display} cannot create a database (${oneLine(e?.sqlMessage ?? e?.message ?? String(e))}); the check needs CREATE and DROP on databases named dbe_check_% (or use --check-server local)`);
    }
  }
  throw new CheckRefused(`could not find a free database name on ${server.display}`);
}

interface Stmt { path: string; start: number; end: number; text: string; templated: boolean; tokens: MyToken[] }

function statementsOf(files: CheckFile[]): Stmt[] {
  const out: Stmt[] = [];
  for (const f of files) {
    const split = splitMySql(f.text);
    for (const s of split.statements) {
      // one statement a query: the trailing `;` is the client's, not the server's
      const text = s.text.replace(/\s*;\s*$/, '');
      const tokens = lex(text).tokens;
      if (!tokens.length) continue; // only comments
      out.push({ path: f.path, start: s.start, end: s.end, text, templated: s.templated, tokens });
    }
  }
  return out;
}

/** The table a DDL statement makes or changes (lower-case, unqualified), for follow-on errors. */
function targetTable(t: MyToken[]): string | undefined {
  const up = (i: number) => (t[i]?.kind === 'word' ? t[i].upper : '');
  let i = 0;
  if (up(0) === 'CREATE' || up(0) === 'ALTER') {
    i = 1;
    while (['OR', 'REPLACE', 'TEMPORARY', 'ONLINE', 'IGNORE', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'ALGORITHM', '=', 'UNDEFINED', 'MERGE', 'TEMPTABLE', 'SQL', 'SECURITY', 'DEFINER', 'INVOKER'].includes(up(i) || t[i]?.value)) i++;
    if (up(i) === 'INDEX') {
      const on = t.findIndex((x, k) => k > i && x.kind === 'word' && x.upper === 'ON');
      i = on < 0 ? -1 : on + 1;
    } else if (up(i) === 'TABLE' || up(i) === 'VIEW') {
      i++;
      if (up(i) === 'IF') i += up(i + 1) === 'NOT' ? 3 : 2;
    } else return undefined;
  } else if (up(0) === 'RENAME' && up(1) === 'TABLE') i = 2;
  else if (up(0) === 'DROP' && up(1) === 'TABLE') return undefined;
  else return undefined;
  if (i < 0 || !t[i] || (t[i].kind !== 'word' && t[i].kind !== 'quoted')) return undefined;
  if (t[i + 1]?.kind === 'op' && t[i + 1].value === '.' && t[i + 2]) return t[i + 2].value.toLowerCase();
  return t[i].value.toLowerCase();
}

/** The table an error message names ("Table 'db.t' doesn't exist", "Unknown table 't'"). */
function tableInMessage(msg: string): string | undefined {
  const m = /(?:Table|table) '([^']+)'/.exec(msg) ?? /Unknown table '([^']+)'/i.exec(msg);
  return m ? m[1].split('.').pop()!.toLowerCase() : undefined;
}

/** Where in the statement the server points: `near '…' at line N`, or the unknown name it quotes. */
function locate(text: string, tokens: MyToken[], errno: number, msg: string): { start: number; end: number } | undefined {
  const near = /near '([\s\S]*)' at line (\d+)$/.exec(msg);
  if (near) {
    let lineStart = 0;
    for (let l = 1; l < Number(near[2]); l++) { const j = text.indexOf('\n', lineStart); if (j < 0) break; lineStart = j + 1; }
    const snippet = near[1].slice(0, 40);
    const at = snippet ? text.indexOf(snippet, lineStart) : -1;
    if (at >= 0) {
      const tok = tokens.find((t) => t.start >= at);
      return tok ? { start: tok.start, end: tok.end } : { start: at, end: text.length };
    }
    return undefined;
  }
  const name = /^(?:Unknown column|Key column|Unknown table|Table) '([^']+)'/.exec(msg)?.[1] ?? (errno === 1146 || errno === 1054 ? /'([^']+)'/.exec(msg)?.[1] : undefined);
  if (!name) return undefined;
  const last = name.split('.').pop()!.toLowerCase();
  const tok = tokens.find((t) => (t.kind === 'word' || t.kind === 'quoted') && t.value.toLowerCase() === last);
  return tok ? { start: tok.start, end: tok.end } : undefined;
}

/**
 * Replays `files` (in migration order) into a throwaway database of `server` and returns what the
 * server rejected. Never throws for a statement; throws CheckRefused (one line) when the server cannot
 * be reached or cannot host a throwaway database.
 */
export async function checkMySqlMigrations(server: CheckServer, files: CheckFile[], options: CheckOptions = {}): Promise<CheckResult> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & CheckOptions;
  const t0 = performance.now();
  const admin = await connect(server);
  let work: Connection | undefined;
  let database = '';
  let result: CheckResult | undefined;
  try {
    const flavor = await flavorOf(admin);
    await admin.query('SET SESSION sql_log_bin = 0').catch(() => undefined); // keeps the throwaway database off replicas when allowed
    database = await createThrowaway(admin, server);
    const [dbRows] = await admin.query('SHOW DATABASES');
    const others = new Set<string>(SYSTEM_SCHEMAS);
    for (const r of dbRows as any[]) { const n = String(Object.values(r)[0]).toLowerCase(); if (n !== database) others.add(n); }
    work = await connect(server, database);
    const w = work;
    await w.query('SET SESSION sql_log_bin = 0').catch(() => undefined);
    await setLimits(w, flavor, o);
    const [idRows] = await w.query('SELECT CONNECTION_ID() AS id');
    const threadId = Number((idRows as any[])[0].id);

    const res: CheckResult = result = { server: flavor.label, version: flavor.version, database, errors: [], notChecked: [], ran: 0, ms: 0 };
    // tables whose CREATE/ALTER failed or was not run: later errors about them are follow-ons
    const broken = new Map<string, ServerError | null>();
    const stmts = statementsOf(files);
    for (let k = 0; k < stmts.length; k++) {
      const s = stmts[k];
      const skip = (reason: string) => {
        res.notChecked.push({ path: s.path, start: s.start, end: s.end, reason });
        const tt = targetTable(s.tokens);
        if (tt && !broken.has(tt)) broken.set(tt, null);
      };
      if (performance.now() - t0 > o.budgetMs) {
        result.stopped = `the check's time budget (${Math.round(o.budgetMs / 1000)} s) ran out; ${stmts.length - k} statement${stmts.length - k === 1 ? ' was' : 's were'} not run`;
        skip(`not checked: ${result.stopped}`);
        break;
      }
      if (s.templated) { skip('not checked: the statement holds template placeholders'); continue; }
      const why = outsideReason(s.text, { named: !server.local, otherDatabases: others }, s.tokens);
      if (why) { skip(`not checked: ${why}`); continue; }
      if (server.local) {
        const db = useTarget(s.text, s.tokens);
        if (db && db.toLowerCase() !== database) await w.query(`CREATE DATABASE IF NOT EXISTS ${quoteName(db)}`).catch(() => undefined);
      }
      result.ran++;
      let killed = false, hung = false;
      const killer = setTimeout(() => {
        killed = true;
        admin.query(`KILL QUERY ${threadId}`).catch(() => undefined);
      }, o.statementTimeoutMs + 1000);
      const giveUp = setTimeout(() => { hung = true; w.destroy(); }, o.statementTimeoutMs + 6000);
      try {
        await w.query(s.text);
      } catch (e: any) {
        const errno = Number(e?.errno);
        if (hung || e?.fatal || !Number.isFinite(errno) || !errno) {
          result.stopped = hung ? 'a statement could not be stopped' : `the server closed the connection (${oneLine(e?.message ?? String(e))})`;
          skip(`not checked: ${result.stopped}; the replay stopped here`);
          break;
        }
        const limit = LIMIT_ERRORS.get(errno);
        if (limit || killed) { skip(`not checked: ${(limit ?? LIMIT_ERRORS.get(1317)!)(o)}`); continue; }
        // the throwaway database's name means nothing to the user: 'dbe_check_x.users' reads 'users'
        const message = oneLine(String(e?.sqlMessage ?? e?.message)).split(`${database}.`).join('');
        const code = typeof e?.code === 'string' && e.code.startsWith('ER_') ? e.code : (MARIADB_CODES[errno] ?? '');
        // a follow-on of an earlier failure: counted there, not reported again
        const named = tableInMessage(message);
        const target = targetTable(s.tokens);
        const cause = (named && broken.has(named) ? named : undefined) ?? (target && broken.has(target) && (errno === 1146 || errno === 1051 || errno === 1054 || errno === 1091) ? target : undefined);
        if (cause !== undefined) {
          const first = broken.get(cause);
          if (first) first.followOns = (first.followOns ?? 0) + 1;
          continue;
        }
        const at = locate(s.text, s.tokens, errno, message);
        const err: ServerError = { path: s.path, start: s.start + (at?.start ?? 0), end: at ? s.start + at.end : s.end, code, errno, message };
        result.errors.push(err);
        if (target && !broken.has(target) && /^\s*create\b/i.test(s.text)) broken.set(target, err);
      } finally {
        clearTimeout(killer);
        clearTimeout(giveUp);
      }
    }
    if (!result.stopped && options.afterReplay) {
      await w.query(`USE ${quoteName(database)}`).catch(() => undefined);
      await options.afterReplay({ connection: w, database, flavor });
    }
    result.ms = performance.now() - t0;
    return result;
  } finally {
    // the work connection first: its locks and open transaction must not hold up the DROP
    if (work) await Promise.race([work.end().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]).then(() => work!.destroy());
    if (database) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteName(database)}`).catch(async (e: any) => {
        const again = await connect(server).catch(() => undefined); // the admin connection may be the one that broke
        const ok = again && await again.query(`DROP DATABASE IF EXISTS ${quoteName(database)}`).then(() => true, () => false);
        await again?.end().catch(() => undefined);
        if (!ok && result) result.dropFailed = `the throwaway database ${database} could not be dropped on ${server.display} (${oneLine(e?.sqlMessage ?? e?.message ?? String(e))}); drop it by hand`;
      });
    }
    await admin.end().catch(() => admin.destroy());
  }
}

/** The `server-error` findings of a check, with the server's name and version in the message. */
export function serverErrorFindings(result: CheckResult, severity: Severity = 'error'): Finding[] {
  return result.errors.map((e) => ({
    rule: 'server-error',
    severity,
    path: e.path,
    start: e.start,
    end: e.end,
    message: serverErrorMessage(result.server, e),
  }));
}

export function serverErrorMessage(server: string, e: ServerError): string {
  const tag = e.code ? `${e.code}, ${e.errno}` : `error ${e.errno}`;
  const more = e.followOns ? ` (${e.followOns} later statement${e.followOns === 1 ? '' : 's'} failed because of it)` : '';
  return `${server} rejects this statement: ${e.message} (${tag})${more}`;
}
