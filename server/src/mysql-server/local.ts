// A throwaway MariaDB / MySQL server for checking migrations, started and stopped by DB Engineer.
// The user's own server and databases are never touched: the server runs on a copy of a template data
// directory (made once per machine and server version in the cache directory), in a fresh temporary
// directory (on /dev/shm when there is one), with --no-defaults (no my.cnf is read), its own unix
// socket, no TCP port (--skip-networking) and file access confined to a folder of that directory
// (--secure-file-priv). It is killed and its directory removed on stop(), on process exit, and when
// this process dies any other way: a small sh watchdog holds a pipe from us and kills the server when
// the pipe closes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadMySqlDriver } from './driver';

/** No usable server binary, or the server would not start: one line, for the user. */
export class ServerUnavailable extends Error {}

export interface ServerBinary {
  /** Absolute path of mariadbd / mysqld. */
  path: string;
  kind: 'mariadb' | 'mysql';
  /** As the binary reports it, e.g. "10.11.18-MariaDB-0+deb12u1". */
  version: string;
  /** For messages: "MariaDB 10.11" / "MySQL 8.0". */
  label: string;
}

export interface LocalServer {
  binary: ServerBinary;
  /** Unix socket to connect to, as root without a password. */
  socketPath: string;
  /** The server's temporary directory (data, socket, files): removed on stop. */
  dir: string;
  /** Milliseconds from the copy of the template to the first accepted connection. */
  startMs: number;
  /** Milliseconds it took to make the template, when this start made it. */
  templateMs?: number;
  /** Kills the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalOptions {
  /** The server binary to use (setting dbEngineer.mysql.serverPath / --mysql-server-binary); else searched. */
  binary?: string;
  /** Where templates are kept (default: the DB Engineer cache directory). */
  cacheDir?: string;
  /** Where the throwaway directory goes (default: /dev/shm when present, else the temp dir). */
  tmpRoot?: string;
  /** Give up when the server does not answer within this time (default 30 s). */
  startTimeoutMs?: number;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/libexec', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin', '/opt/homebrew/bin', '/opt/homebrew/sbin', '/usr/bin'];
const NAMES = ['mariadbd', 'mysqld'];

/** The DB Engineer cache directory (same rule as the parse cache). */
export function defaultCacheDir(): string {
  if (process.env.DBE_CACHE_DIR) return path.resolve(process.env.DBE_CACHE_DIR);
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'dbe');
  let home = '';
  try { home = os.homedir(); } catch { /* no home */ }
  return home ? path.join(home, '.cache', 'dbe') : path.join(os.tmpdir(), 'dbe-cache');
}

function executable(p: string): boolean {
  try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; }
}

/** What `<binary> --version` says, as a ServerBinary; undefined when it is not a MariaDB/MySQL server. */
export function describeBinary(p: string): ServerBinary | undefined {
  const r = spawnSync(p, ['--no-defaults', '--version'], { encoding: 'utf8', timeout: 10_000 });
  const out = `${r.stdout ?? ''}`.trim();
  const m = /\bVer\s+(\S+)/.exec(out);
  if (r.status !== 0 || !m) return undefined;
  const version = m[1];
  const kind = /mariadb/i.test(out) ? 'mariadb' : 'mysql';
  const mm = /^(\d+)\.(\d+)/.exec(version);
  return { path: p, kind, version, label: `${kind === 'mariadb' ? 'MariaDB' : 'MySQL'} ${mm ? `${mm[1]}.${mm[2]}` : version}` };
}

/** The server binary: `explicit` when given (a clear error when unusable), else the first of PATH and the usual folders. */
export function findServerBinary(explicit?: string, envPath = process.env.PATH ?? ''): ServerBinary | undefined {
  if (explicit) {
    if (!executable(explicit)) throw new ServerUnavailable(`the MySQL/MariaDB server binary ${explicit} does not exist or is not executable`);
    const d = describeBinary(explicit);
    if (!d) throw new ServerUnavailable(`${explicit} is not a MariaDB or MySQL server (its --version did not say)`);
    return d;
  }
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), ...SEARCH_DIRS];
  const seen = new Set<string>();
  for (const name of NAMES) {
    for (const d of dirs) {
      const p = path.join(d, name);
      if (seen.has(p)) continue;
      seen.add(p);
      if (executable(p)) { const b = describeBinary(p); if (b) return b; }
    }
  }
  return undefined;
}

const rootUser = () => (typeof process.getuid === 'function' && process.getuid() === 0 ? ['--user=root'] : []);

/** Options for both the template's bootstrap and every start: small logs and buffers, nothing durable. */
const COMMON = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=32M'];

function installDbFor(bin: ServerBinary): string | undefined {
  const dir = path.dirname(bin.path);
  const cands = ['mariadb-install-db', 'mysql_install_db'].flatMap((n) => [path.join(dir, n), path.join(dir, '..', 'bin', n), path.join('/usr/bin', n), path.join('/usr/local/bin', n)]);
  return cands.find(executable);
}

/** Template directory name for a binary: one per kind and version. */
export function templatePath(bin: ServerBinary, cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, `${bin.kind}-template-${bin.version.replace(/[^\w.+-]/g, '_')}`);
}

/**
 * The template data directory of `bin`, made when missing (a few seconds, once per machine and
 * version). Made beside its final place and renamed into it, so a half-made template is never used
 * and two processes making it at once both end up with a whole one.
 */
export function ensureTemplate(bin: ServerBinary, cacheDir = defaultCacheDir()): { dir: string; createdMs?: number } {
  const dir = templatePath(bin, cacheDir);
  if (fs.existsSync(path.join(dir, 'dbe-template-ok'))) return { dir };
  const t = performance.now();
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(`${dir}.tmp-`);
  const data = path.join(work, 'data');
  try {
    let r;
    if (bin.kind === 'mariadb') {
      const installDb = installDbFor(bin);
      if (!installDb) throw new ServerUnavailable(`found ${bin.path} but not mariadb-install-db beside it, so no data directory can be made`);
      r = spawnSync(installDb, ['--no-defaults', `--datadir=${data}`, ...(rootUser().length ? ['--user=root'] : []),
        '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve', ...COMMON], { encoding: 'utf8', timeout: 120_000 });
    } else {
      r = spawnSync(bin.path, ['--no-defaults', '--initialize-insecure', `--datadir=${data}`, ...rootUser(), ...COMMON], { encoding: 'utf8', timeout: 120_000 });
    }
    if (r.status !== 0) {
      const why = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter((l) => /error/i.test(l)).pop() ?? r.error?.message ?? `exit ${r.status}`;
      throw new ServerUnavailable(`making a data directory for ${bin.label} failed: ${why}`);
    }
    fs.writeFileSync(path.join(data, 'dbe-template-ok'), `${bin.path}\n${bin.version}\n`);
    try { fs.renameSync(data, dir); } catch (e: any) {
      if (!fs.existsSync(path.join(dir, 'dbe-template-ok'))) throw e; // another process won the race: use its template
    }
    return { dir, createdMs: performance.now() - t };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// The watchdog: starts the server, says its pid, and kills it when our end of its stdin closes (stop(),
// or this process dying however it dies); when the server is gone it removes the directory. fd 3 keeps
// the pipe, because a background job's stdin is /dev/null. SIGPIPE is ignored: once we are gone, a
// line written to our dead pipes (the shell reports a killed job) must not kill the watchdog before
// it has removed the directory.
const WATCHDOG = `
trap '' PIPE
dir=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
pid=$!
echo "pid $pid"
( while read -r _ <&3; do :; done; kill -9 $pid 2>/dev/null ) &
w=$!
exec 3<&-
wait $pid
code=$?
kill $w 2>/dev/null
rm -rf -- "$dir"
echo "exit $code"
`;

const live = new Set<{ pid?: number; dir: string }>();
let exitHook = false;
function onExit(): void {
  for (const s of live) {
    try { if (s.pid) process.kill(s.pid, 'SIGKILL'); } catch { /* gone */ }
    try { fs.rmSync(s.dir, { recursive: true, force: true }); } catch { /* the watchdog removes it */ }
  }
}

/** Starts a throwaway server (see the file's head). Throws ServerUnavailable with one line when it cannot. */
export async function startLocalServer(o: LocalOptions = {}): Promise<LocalServer> {
  if (process.platform === 'win32') throw new ServerUnavailable('starting a local MariaDB/MySQL is not supported on Windows; name a server instead (dbEngineer.mysql.checkServer, --check-server URL)');
  const bin = findServerBinary(o.binary);
  if (!bin) throw new ServerUnavailable('no local MariaDB or MySQL server (mariadbd / mysqld) found on PATH or in /usr/sbin; install one (Debian: apt-get install mariadb-server) or name a server (--check-server URL)');
  const template = ensureTemplate(bin, o.cacheDir);
  const root = o.tmpRoot ?? (fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir());
  const dir = fs.mkdtempSync(path.join(root, 'dbe-mysql-'));
  const entry: { pid?: number; dir: string } = { dir };
  live.add(entry);
  if (!exitHook) { exitHook = true; process.on('exit', onExit); }
  const t = performance.now();
  let child: ChildProcess | undefined;
  try {
    fs.cpSync(template.dir, path.join(dir, 'data'), { recursive: true });
    fs.rmSync(path.join(dir, 'data', 'dbe-template-ok'), { force: true });
    fs.mkdirSync(path.join(dir, 'files'));
    const socketPath = path.join(dir, 'mysqld.sock');
    const args = ['--no-defaults', `--datadir=${path.join(dir, 'data')}`, `--socket=${socketPath}`, '--skip-networking',
      `--pid-file=${path.join(dir, 'mysqld.pid')}`, `--secure-file-priv=${path.join(dir, 'files')}`, `--tmpdir=${dir}`, ...rootUser(), ...COMMON,
      '--skip-log-bin', '--performance-schema=OFF', '--skip-name-resolve', '--innodb-doublewrite=0', '--innodb-flush-log-at-trx-commit=0',
      '--event-scheduler=OFF', '--loose-skip-innodb-use-native-aio', '--loose-feedback=OFF', '--max-connections=20'];
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'dbe-mysql-watchdog', dir, bin.path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = child;
    const tail: string[] = [];
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (s: string) => { for (const l of s.split('\n')) if (l.trim()) { tail.push(l.trim()); if (tail.length > 30) tail.shift(); } });
    let exited: string | undefined;
    const exitedP = new Promise<void>((resolve) => {
      c.stdout!.setEncoding('utf8');
      let buf = '';
      c.stdout!.on('data', (s: string) => {
        buf += s;
        const m = /pid (\d+)/.exec(buf);
        if (m) entry.pid = Number(m[1]);
        const e = /exit (\d+)/.exec(buf);
        if (e) exited = e[1];
      });
      c.on('exit', () => { exited ??= 'unknown'; resolve(); });
    });
    c.stdin!.on('error', () => undefined);
    const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
    const mysql = await loadMySqlDriver();
    for (;;) {
      if (exited !== undefined) {
        const why = tail.filter((l) => /\[ERROR\]/.test(l)).map((l) => l.replace(/^.*\[ERROR\]\s*/, '')).pop() ?? tail.pop() ?? `exit ${exited}`;
        throw new ServerUnavailable(`${bin.label} (${bin.path}) did not start: ${why}`);
      }
      if (Date.now() > deadline) throw new ServerUnavailable(`${bin.label} (${bin.path}) did not answer within ${Math.round((o.startTimeoutMs ?? 30_000) / 1000)} s`);
      if (fs.existsSync(socketPath)) {
        try {
          const conn = await mysql.createConnection({ socketPath, user: 'root', connectTimeout: 2000 });
          await conn.end();
          break;
        } catch { /* not ready yet */ }
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    const startMs = performance.now() - t;
    // The server must not keep this process alive; the watchdog still kills it when we exit.
    c.unref();
    (c.stdin as any)?.unref?.(); (c.stdout as any)?.unref?.(); (c.stderr as any)?.unref?.();
    let stopping: Promise<void> | undefined;
    const stop = () => stopping ??= (async () => {
      // waited for: the child counts again for the event loop until it is gone
      c.ref();
      c.stdin!.end();
      let timeout: NodeJS.Timeout | undefined;
      const timer = new Promise<'late'>((r) => { timeout = setTimeout(() => r('late'), 10_000); });
      const how = await Promise.race([exitedP.then(() => 'done' as const), timer]);
      clearTimeout(timeout);
      if (how === 'late') {
        try { if (entry.pid) process.kill(entry.pid, 'SIGKILL'); } catch { /* gone */ }
        try { c.kill('SIGKILL'); } catch { /* gone */ }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      live.delete(entry);
    })();
    return { binary: bin, socketPath, dir, startMs, ...(template.createdMs !== undefined ? { templateMs: template.createdMs } : {}), stop };
  } catch (e) {
    try { child?.stdin?.end(); } catch { /* gone */ }
    try { if (entry.pid) process.kill(entry.pid, 'SIGKILL'); } catch { /* gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
    live.delete(entry);
    throw e;
  }
}
