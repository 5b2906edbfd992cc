// Test-only: a throwaway MariaDB in a temporary directory (its own data directory and socket, no
// TCP), started for a test file and stopped after it. Never touches a system database. The product
// module for this (server/src/mysql-server/local.ts) is another part of issue #13.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestServer {
  dir: string;
  socket: string;
  /** mysql://root@localhost/<db>?socket=... */
  url(db: string, user?: string): string;
  /** Runs SQL as root through the mariadb client (setup only); throws with its stderr on failure. */
  sql(text: string, db?: string): string;
  stop(): Promise<void>;
}

function which(bin: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    const p = path.join(dir, bin);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** Why no server can be started here, or undefined when mariadbd, mariadb-install-db and mariadb exist. */
export function missingServer(): string | undefined {
  for (const bin of ['mariadbd', 'mariadb-install-db', 'mariadb']) if (!which(bin)) return `${bin} is not installed (apt-get install mariadb-server): the MariaDB tests need a local server`;
  return undefined;
}

/** A free TCP port on 127.0.0.1 (for a server that must listen on TCP: the TLS tests). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const a = srv.address(); srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
  });
}

/** Starts the server; with `port`, it listens on 127.0.0.1:port as well as its socket. */
export async function startServer(extra: string[] = [], o: { port?: number } = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mariadb-'));
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const root = process.getuid?.() === 0 ? ['--user=root'] : [];
  // its own temporary directory: the server's temp tables never meet another test's (or agent's) in /tmp
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const install = spawnSync(which('mariadb-install-db')!, ['--no-defaults', '--auth-root-authentication-method=normal', '--skip-test-db', `--datadir=${data}`, `--tmpdir=${tmp}`, ...root], { encoding: 'utf8' });
  if (install.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  }
  const net = o.port ? [`--port=${o.port}`, '--bind-address=127.0.0.1'] : ['--skip-networking'];
  const child: ChildProcess = spawn(which('mariadbd')!, ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, ...net, `--pid-file=${path.join(dir, 'pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`, '--innodb-buffer-pool-size=16M', '--skip-log-bin', `--tmpdir=${tmp}`, ...root, ...extra], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const client = which('mariadb')!;
  const sql = (text: string, db?: string): string => {
    const r = spawnSync(client, ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', ...(db ? [db] : [])], { input: text, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`);
    return r.stdout;
  };
  const fail = (what: string): never => {
    const log = safeRead(path.join(dir, 'error.log'));
    if (!exited) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${what}: ${log}`);
  };
  for (let i = 0; i < 300; i++) {
    if (exited) fail('mariadbd exited at start');
    if (fs.existsSync(socket)) {
      try { sql('SELECT 1'); break; } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
    if (i === 299) fail('mariadbd did not start');
  }
  return {
    dir, socket, sql,
    url: (db, user = 'root') => `mysql://${user}@localhost/${db}?socket=${encodeURIComponent(socket)}`,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 200 && !exited; i++) await new Promise((r) => setTimeout(r, 50));
        if (!exited) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(p: string): string { try { return fs.readFileSync(p, 'utf8').slice(-2000); } catch { return '(no log)'; } }
