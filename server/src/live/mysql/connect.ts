// A read-only session on the user's own MySQL or MariaDB, with the guarantees of the PostgreSQL
// side (../connect.ts): the session is made read-only before anything else runs
// (SET SESSION TRANSACTION READ ONLY, checked), every statement has a time limit
// (max_statement_time on MariaDB, max_execution_time on MySQL, and the lock waits), the text
// protocol is used without CLIENT_MULTI_STATEMENTS (the server refuses `a; b`) and without
// CLIENT_LOCAL_FILES (a server cannot ask for a file of this machine), every statement dbe sends
// passes the guard (./guard.ts: SELECT, SHOW, EXPLAIN, DESCRIBE only) and the password is never
// printed. The session's sql_mode drops ANSI_QUOTES and NO_BACKSLASH_ESCAPES so that the server
// reads strings as dbe's lexer does (the PostgreSQL side's standard_conforming_strings=on).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { LiveError, type ParsedUrl } from '../connect';
import { guardStatement } from './guard';

export const DBE_MARK = '/* dbe */';
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

export type MySqlFlavor = 'mysql' | 'mariadb';

/** True for mysql:// and mariadb:// URLs (the live mode dispatches on the scheme). */
export function isMySqlUrl(url: string): boolean { return /^\s*(mysql|mariadb):\/\//i.test(url); }

export interface MySqlUrl extends ParsedUrl {
  /** The Unix socket (?socket=/path, or ?host=/path as for PostgreSQL), else undefined. */
  socket?: string;
  scheme: MySqlFlavor;
}

/** Parses a mysql:// or mariadb:// URL; a clear LiveError when it is not one. */
export function parseMySqlUrl(url: string, source = 'the database URL'): MySqlUrl {
  let u: URL;
  try { u = new URL(url); } catch { throw new LiveError(`${source} is not a URL; write it as mysql://user@host:3306/dbname`); }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new LiveError(`${source} must start with mysql:// or mariadb://, not ${u.protocol}//`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw new LiveError(`${source} names no database; write it as ${u.protocol}//user@host:3306/dbname`);
  const hostParam = u.searchParams.get('host');
  const socket = u.searchParams.get('socket') ?? (hostParam?.startsWith('/') ? hostParam : undefined);
  const port = u.port ? Number(u.port) : 3306;
  return {
    scheme: u.protocol === 'mariadb:' ? 'mariadb' : 'mysql',
    host: socket ?? hostParam ?? (decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || 'localhost'),
    socket: socket || undefined,
    port,
    database,
    user: decodeURIComponent(u.username) || process.env.USER || os.userInfo().username,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    params: u.searchParams,
  };
}

export function describeMySqlTarget(p: MySqlUrl): string { return `${p.user}@${p.socket ?? `${p.host}:${p.port}`}/${p.database}`; }

type TlsOptions = { rejectUnauthorized: boolean; ca?: string; verifyIdentity?: boolean };

/** The TLS modes, by the PostgreSQL name (sslmode) and MySQL's (ssl-mode). */
const MODES: Record<string, string> = {
  disable: 'disable', disabled: 'disable', prefer: 'prefer', preferred: 'prefer', require: 'require', required: 'require',
  'verify-ca': 'verify-ca', verify_ca: 'verify-ca', 'verify-full': 'verify-full', verify_identity: 'verify-full',
};

/**
 * The TLS of a first and, for `prefer`, a second attempt, mirroring the PostgreSQL side: the URL's
 * `ssl-mode` (MySQL's DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY) or `sslmode`
 * (libpq's names), default prefer: TLS without verification, plain when the server has no TLS.
 * `ssl-ca` / `sslrootcert` is the CA to verify with (required for the verify modes, "system" for
 * the system's CAs); REQUIRED with a CA verifies it, as the mysql client does.
 */
export function mysqlTlsPlan(p: MySqlUrl): { mode: string; first: false | TlsOptions; second?: false | TlsOptions } {
  const raw = p.params.get('ssl-mode') ?? p.params.get('sslmode') ?? 'prefer';
  const mode = MODES[raw.toLowerCase()];
  if (!mode) throw new LiveError(`ssl-mode must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (or sslmode disable, prefer, require, verify-ca, verify-full), not "${raw}"`);
  if (p.socket) {
    if (mode === 'require' || mode.startsWith('verify')) throw new LiveError(`ssl-mode=${raw} cannot be met over the Unix socket ${p.socket}: connect by host name for TLS`);
    return { mode, first: false };
  }
  const caFile = p.params.get('ssl-ca') ?? p.params.get('sslrootcert') ?? undefined;
  let ca: string | undefined;
  if (caFile && caFile !== 'system') {
    try { ca = fs.readFileSync(caFile, 'utf8'); } catch (e: any) { throw new LiveError(`cannot read the CA certificate ssl-ca=${caFile}: ${e?.code ?? e?.message ?? e}`); }
  }
  const verifyCa: TlsOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}), verifyIdentity: false };
  switch (mode) {
    case 'disable': return { mode, first: false };
    case 'prefer': return { mode, first: { rejectUnauthorized: false }, second: false };
    case 'require': return { mode, first: caFile ? verifyCa : { rejectUnauthorized: false } };
    default:
      if (!caFile) throw new LiveError(`ssl-mode=${raw} needs the certificate authority to verify the server with: add ssl-ca=/path/to/ca.pem to the URL (or ssl-ca=system)`);
      // mysql2 checks the host name only for a name, not an IP address: refuse rather than pretend
      if (mode === 'verify-full' && net.isIP(p.host)) throw new LiveError(`ssl-mode=${raw} checks the server's host name, and ${p.host} is an address: connect by host name, or use ssl-mode=VERIFY_CA`);
      return { mode, first: { ...verifyCa, verifyIdentity: mode === 'verify-full' } };
  }
}

/**
 * The password from MySQL's option file (~/.my.cnf, or MYSQL_TEST_LOGIN_FILE is not read): the
 * `password` of the [client], [mysql], [client-mariadb] or [mariadb-client] group. Like the mysql
 * client, a file that everyone can write is ignored.
 */
export function myCnfPassword(env: NodeJS.ProcessEnv = process.env, notice?: (line: string) => void): string | undefined {
  const file = path.join(env.HOME || os.homedir(), '.my.cnf');
  let text: string;
  try {
    const st = fs.statSync(file);
    if (process.platform !== 'win32' && (st.mode & 0o002) !== 0) {
      notice?.(`${file} is ignored: everyone can write it (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}), as the mysql client also ignores it`);
      return undefined;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch { return undefined; }
  let group = '';
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const g = /^\[([^\]]+)\]$/.exec(line);
    if (g) { group = g[1].trim().toLowerCase(); continue; }
    if (!['client', 'mysql', 'client-mariadb', 'mariadb-client'].includes(group)) continue;
    const kv = /^password\s*=\s*(.*)$/i.exec(line);
    if (!kv) continue;
    let v = kv[1].trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    found = v;
  }
  return found;
}

export interface MySqlLiveOptions {
  url: string;
  source?: string;
  /** A password held in memory (the editor's SecretStorage); else the URL's, MYSQL_PWD, ~/.my.cnf. */
  password?: string;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** As on the PostgreSQL side: set when no password may go to this host, with the reason. */
  withholdPassword?: string;
  notice?: (line: string) => void;
}

/** The statements that make a fresh connection dbe's: read-only, time-limited, strings as dbe reads them. Exported for the tests. */
export async function prepareSession(conn: Connection, flavor: MySqlFlavor, timeoutMs: number, target: string): Promise<void> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const [modeRows] = await conn.query(`${DBE_MARK} SELECT @@SESSION.sql_mode AS m`) as any;
  const mode = String(modeRows[0]?.m ?? '').split(',').filter((m) => m && m !== 'ANSI_QUOTES' && m !== 'NO_BACKSLASH_ESCAPES' && m !== 'ANSI').join(',');
  await conn.query(`SET SESSION sql_mode = ?`, [mode]);
  await conn.query('SET SESSION TRANSACTION READ ONLY');
  if (flavor === 'mariadb') await conn.query(`SET SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)}`);
  else await conn.query(`SET SESSION max_execution_time = ${timeoutMs}`);
  await conn.query(`SET SESSION lock_wait_timeout = ${seconds}`);
  await conn.query(`SET SESSION innodb_lock_wait_timeout = ${seconds}`);
  // MariaDB before 11.1 knows only tx_read_only; MySQL 8 only transaction_read_only
  let check: any;
  try { [check] = await conn.query(`${DBE_MARK} SELECT @@SESSION.transaction_read_only AS ro, @@SESSION.sql_mode AS m`) as any; } catch (e: any) {
    if (e?.code !== 'ER_UNKNOWN_SYSTEM_VARIABLE') throw e;
    [check] = await conn.query(`${DBE_MARK} SELECT @@SESSION.tx_read_only AS ro, @@SESSION.sql_mode AS m`) as any;
  }
  // the client character set mysql2 escapes for: a multi-byte set such as GBK or SJIS would let a
  // 0x5c byte inside a character end a string early
  const [cs] = await conn.query(`${DBE_MARK} SELECT @@SESSION.character_set_client AS c`) as any;
  if (!/^utf8(mb4|mb3)?$/i.test(String(cs[0]?.c))) throw new LiveError(`${target}: the session's client character set is ${cs[0]?.c}, not utf8mb4; dbe does not use it`);
  if (Number(check[0]?.ro) !== 1) throw new LiveError(`${target}: the session could not be made read-only; dbe does not use it`);
  if (/ANSI_QUOTES|NO_BACKSLASH_ESCAPES/.test(String(check[0]?.m))) throw new LiveError(`${target}: the session's sql_mode could not be set so that strings read as dbe reads them; dbe does not use it`);
}

/** mysql2's options for a dbe session (exported for the tests: what is never enabled). */
export function connectionOptions(p: MySqlUrl, password: string | undefined, ssl: false | TlsOptions, connectTimeoutMs: number): ConnectionOptions {
  return {
    ...(p.socket ? { socketPath: p.socket } : { host: p.host, port: p.port }),
    user: p.user, database: p.database,
    // a withheld password: none at all (the handshake then carries an empty answer, no secret)
    password: password ?? '',
    connectTimeout: connectTimeoutMs,
    charset: 'utf8mb4',
    // never: `a; b` in one message; LOAD DATA LOCAL (a server asking for a file of this machine: the
    // flag tells the server, and without infileStreamFactory mysql2 answers such a request with nothing)
    multipleStatements: false,
    flags: ['-MULTI_STATEMENTS', '-LOCAL_FILES'],
    ...(ssl ? { ssl } : {}),
    connectAttributes: { program_name: 'dbe' },
    supportBigNumbers: true, bigNumberStrings: true, dateStrings: true,
    // the cleartext plugin would send the password as it is, even without TLS
    enableCleartextPlugin: false,
  };
}

export interface QueryOutcome<R> { rows: R[]; fields: string[] }

/** A read-only session on MySQL or MariaDB. Close it when done. */
export class MySqlSession {
  readonly dialect = 'mysql' as const;
  private constructor(private readonly conn: Connection, readonly target: string, private readonly secret: string | undefined,
    /** VERSION(): "10.11.18-MariaDB-0+deb12u1", "8.0.36". */
    readonly version: string, readonly flavor: MySqlFlavor,
    /** "TLS 1.3", "no TLS", "Unix socket, no TLS". */
    readonly transport: string, readonly database: string, readonly timeoutMs: number) {}

  /** 100118 for 10.11.18, 80036 for 8.0.36 (the PostgreSQL side's serverVersion shape). */
  get serverVersion(): number {
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(this.version);
    return m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
  }

  static async open(o: MySqlLiveOptions): Promise<MySqlSession> {
    const env = o.env ?? process.env;
    const p = parseMySqlUrl(o.url, o.source);
    const target = describeMySqlTarget(p);
    let password: string | undefined;
    if (o.withholdPassword !== undefined) {
      if (o.password ?? p.password ?? env.MYSQL_PWD ?? myCnfPassword(env)) o.notice?.(`the password for ${target} is withheld: ${o.withholdPassword}`);
    } else {
      password = o.password ?? p.password ?? env.MYSQL_PWD ?? myCnfPassword(env, o.notice);
    }
    const timeout = o.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1) throw new LiveError(`the statement timeout must be a positive whole number of milliseconds, not ${timeout}`);
    const tls = mysqlTlsPlan(p);
    const mysql = await import('mysql2/promise');
    const attempt = async (ssl: false | TlsOptions): Promise<Connection> => {
      const conn = await mysql.createConnection(connectionOptions(p, password, ssl, o.connectTimeoutMs ?? 5000));
      conn.on('error', () => undefined);
      return conn;
    };
    let conn: Connection;
    try {
      try {
        conn = await attempt(tls.first);
      } catch (e: any) {
        if (tls.second === undefined || e?.code !== 'HANDSHAKE_NO_SSL_SUPPORT') throw e;
        conn = await attempt(tls.second);
      }
    } catch (e: any) {
      if (e?.code === 'HANDSHAKE_NO_SSL_SUPPORT') throw new LiveError(`cannot connect to ${target}: the server does not offer TLS, and ssl-mode ${tls.mode} requires it`);
      // mysql2 reports every TLS failure as HANDSHAKE_SSL_ERROR (Node's own code is overwritten)
      if (e?.code === 'HANDSHAKE_SSL_ERROR' || e?.code && /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_SIGNATURE_FAILURE)$/.test(e.code)) {
        throw new LiveError(`cannot connect to ${target}: the server's TLS certificate does not pass ssl-mode ${tls.mode} (${scrubMy(String(e.message), password).split('\n')[0]})`);
      }
      throw connectError(e, target, password, o.withholdPassword !== undefined);
    }
    const stream = (conn as any).connection?.stream;
    const proto = typeof stream?.getProtocol === 'function' ? stream.getProtocol() : null;
    const transport = proto ? String(proto).replace(/^TLSv/, 'TLS ') : p.socket ? 'Unix socket, no TLS' : 'no TLS';
    try {
      const [v] = await conn.query(`${DBE_MARK} SELECT VERSION() AS v`) as any;
      const version = String(v[0]?.v ?? '');
      const flavor: MySqlFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
      await prepareSession(conn, flavor, timeout, target);
      return new MySqlSession(conn, target, password, version, flavor, transport, p.database, timeout);
    } catch (e) {
      try { await conn.end(); } catch { /* gone */ }
      if (e instanceof LiveError) throw e;
      throw queryError(e, target, password);
    }
  }

  /** "MariaDB 10.11.18" / "MySQL 8.0.36". */
  get product(): string { return `${this.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${this.version.replace(/-.*$/, '')}`; }

  private async raw<R>(sql: string, params?: unknown[], expectRows = true): Promise<QueryOutcome<R>> {
    const [rows, fields] = await this.conn.query({ sql, values: params ?? [] }) as any;
    if (!expectRows) return { rows: [], fields: [] };
    // exactly one result set: an OK packet (a statement that changed something) or several result
    // sets (a CALL) are not what the guard let through
    if (!Array.isArray(rows) || !Array.isArray(fields) || Array.isArray(fields[0])) {
      throw new LiveError(`${this.target}: the server did not answer with exactly one result set; dbe stops here`);
    }
    return { rows: rows as R[], fields: Array.isArray(fields) ? fields.map((f: any) => String(f?.name)) : [] };
  }

  /**
   * Runs one statement that the guard lets through (SELECT, SHOW, EXPLAIN, DESCRIBE); anything else
   * is a LiveError before a byte is sent. Failures name the server, the password scrubbed.
   */
  async query<R = any>(sql: string, params?: unknown[]): Promise<QueryOutcome<R>> {
    const refusal = guardStatement(sql);
    if (refusal) throw new LiveError(refusal);
    try {
      return await this.raw<R>(sql, params);
    } catch (e) {
      if (e instanceof LiveError) throw e;
      throw queryError(e, this.target, this.secret);
    }
  }

  /** Like query, but the server's own error comes back instead of being thrown (EXPLAIN of user queries; optional views). */
  async tryQuery<R = any>(sql: string, params?: unknown[]): Promise<{ ok: true; result: QueryOutcome<R> } | { ok: false; message: string; code?: string; errno?: number }> {
    const refusal = guardStatement(sql);
    if (refusal) throw new LiveError(refusal);
    try {
      return { ok: true, result: await this.raw<R>(sql, params) };
    } catch (e: any) {
      if (e instanceof LiveError) throw e;
      if (typeof e?.errno === 'number' && e.sqlMessage !== undefined && !isTimeout(e) && !isLost(e)) {
        return { ok: false, message: scrubMy(String(e.sqlMessage), this.secret), code: e.code, errno: e.errno };
      }
      throw queryError(e, this.target, this.secret);
    }
  }

  /**
   * Runs `fn` inside START TRANSACTION READ ONLY, always rolled back (the session is read-only as
   * well; this also gives the reads one consistent snapshot).
   */
  async readOnlyTransaction<T>(fn: () => Promise<T>): Promise<T> {
    try { await this.raw('START TRANSACTION READ ONLY', [], false); } catch (e) { throw queryError(e, this.target, this.secret); }
    try {
      return await fn();
    } finally {
      try { await this.raw('ROLLBACK', [], false); } catch { /* the connection is gone: nothing to keep */ }
    }
  }

  async close(): Promise<void> {
    try { await this.conn.end(); } catch { try { this.conn.destroy(); } catch { /* gone */ } }
  }
}

function isTimeout(e: any): boolean { return e?.errno === 1969 || e?.errno === 3024 || e?.code === 'ER_STATEMENT_TIMEOUT' || e?.code === 'ER_QUERY_TIMEOUT'; }
function isLost(e: any): boolean { return e?.code === 'PROTOCOL_CONNECTION_LOST' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || e?.fatal === true; }

/** Removes the password (raw and URL-encoded) from a message, and any password in a mysql:// URL. */
export function scrubMy(message: string, secret: string | undefined): string {
  let m = message;
  if (secret) for (const s of new Set([secret, encodeURIComponent(secret)])) m = m.split(s).join('***');
  return m.replace(/((?:mysql|mariadb):\/\/[^:/@\s]*):[^@/\s]*@/g, '$1:***@');
}

function connectError(e: any, target: string, secret: string | undefined, withheld: boolean): LiveError {
  const code: string | undefined = e?.code;
  const msg = scrubMy(String(e?.sqlMessage ?? e?.message ?? e), secret);
  switch (code) {
    case 'ECONNREFUSED': return new LiveError(`cannot connect to ${target}: connection refused (is the server running and listening on that host and port?)`);
    case 'ENOENT': return new LiveError(`cannot connect to ${target}: no such socket (is the server running?)`);
    case 'ENOTFOUND': case 'EAI_AGAIN': return new LiveError(`cannot connect to ${target}: the host name does not resolve`);
    case 'ETIMEDOUT': case 'EHOSTUNREACH': case 'ENETUNREACH': return new LiveError(`cannot connect to ${target}: the host does not answer (${code})`);
    case 'ER_ACCESS_DENIED_ERROR': case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      if (withheld) return new LiveError(`cannot connect to ${target}: the server wants a password, and dbe withheld it (the URL's host is not confirmed; see the line above)`);
      return new LiveError(`cannot connect to ${target}: access denied for user "${target.split('@')[0]}" (dbe takes the password from the editor's stored password, MYSQL_PWD or ~/.my.cnf)`);
    case 'ER_BAD_DB_ERROR': case 'ER_DBACCESS_DENIED_ERROR': return new LiveError(`cannot connect to ${target}: ${msg}`);
    case 'ER_CON_COUNT_ERROR': return new LiveError(`cannot connect to ${target}: the server has no free connection slots (${msg})`);
  }
  if (/timeout/i.test(msg)) return new LiveError(`cannot connect to ${target}: no answer within the connection timeout`);
  return new LiveError(`cannot connect to ${target}: ${msg}`);
}

function queryError(e: any, target: string, secret: string | undefined): LiveError {
  const msg = scrubMy(String(e?.sqlMessage ?? e?.message ?? e), secret);
  if (isTimeout(e)) return new LiveError(`${target}: the statement was stopped by the statement time limit (${msg})`);
  if (e?.errno === 1792 || e?.code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') return new LiveError(`${target}: refused: the session is read-only (${msg})`);
  if (isLost(e)) return new LiveError(`${target}: the connection was lost (${msg})`);
  return new LiveError(`${target}: ${msg}${e?.code ? ` (${e.code})` : ''}`);
}
