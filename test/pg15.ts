// A throwaway PostgreSQL 15 cluster on loopback for test/live-postgres.test.ts: Debian's
// postgresql-15 (installed with apt-get when missing and running as root), initdb into a temp dir,
// started on a free port with pg_stat_statements preloaded, as the postgres user when we are root
// (the server refuses to run as root). Password authentication (scram) on TCP.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const SUPERUSER = 'dbe_admin';
export const SUPERPASS = 'admin-Pw-4417';

export interface Cluster { dir: string; port: number; superUrl: string; /** The server's self-signed certificate (ssl: true), its own CA. */ cert?: string; stop(): void }

/** A self-signed certificate for 127.0.0.1 (subjectAltName IP), written as <base>.crt and <base>.key. */
export function selfSignedCert(base: string, cn = 'dbe-test'): { crt: string; key: string } {
  const crt = `${base}.crt`, key = `${base}.key`;
  execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', crt], { stdio: 'ignore' });
  fs.chmodSync(key, 0o600);
  return { crt, key };
}

/** Why the cluster cannot run here, or undefined (installs the server package when root and missing). */
export function ensurePostgres15(): string | undefined {
  const have = () => fs.existsSync(path.join(PG_BIN, 'postgres')) && fs.existsSync('/usr/lib/postgresql/15/lib/pg_stat_statements.so');
  if (have()) return undefined;
  if (process.getuid?.() !== 0) return 'PostgreSQL 15 is not installed (apt-get install -y postgresql-15, as root)';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql-15'], { env, stdio: 'ignore' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql-15'], { env, stdio: 'ignore' });
  }
  return have() ? undefined : 'apt-get install postgresql-15 failed';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startCluster(o: { logConnections?: boolean; ssl?: boolean } = {}): Promise<Cluster> {
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-pg15-'));
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, SUPERPASS + '\n');
  if (root) {
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    fs.chmodSync(dir, 0o700);
  }
  const as = (bin: string, args: string[]) => {
    const cmd = root ? 'runuser' : path.join(PG_BIN, bin);
    const argv = root ? ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args] : args;
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  as('initdb', ['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let cert: string | undefined;
  const sslConf: string[] = [];
  if (o.ssl) {
    const c = selfSignedCert(path.join(data, 'server'));
    if (root) execFileSync('chown', ['postgres:postgres', c.crt, c.key]);
    cert = path.join(dir, 'ca.crt');
    fs.copyFileSync(c.crt, cert);
    sslConf.push('ssl = on', `ssl_cert_file = '${c.crt}'`, `ssl_key_file = '${c.key}'`);
  }
  const port = await freePort();
  const conf = [
    `port = ${port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`,
    `shared_preload_libraries = 'pg_stat_statements'`, `pg_stat_statements.track = all`,
    `log_connections = ${o.logConnections ? 'on' : 'off'}`, 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', `max_connections = 20`, 'shared_buffers = 16MB', ...sslConf,
  ].join('\n');
  fs.appendFileSync(path.join(data, 'postgresql.conf'), '\n' + conf + '\n');
  as('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  let stopped = false;
  return {
    dir, port, cert,
    superUrl: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try { as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already down */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
