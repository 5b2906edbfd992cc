// TLS on the live MySQL/MariaDB mode, against two throwaway MariaDB servers on 127.0.0.1: one with
// a certificate signed by a test CA (for localhost), one without TLS. The ssl-mode plans of
// live/mysql/connect.ts must connect, verify, refuse and fall back as libpq's sslmode does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveError } from '../../server/src/live/connect';
import { MySqlSession } from '../../server/src/live/mysql/connect';
import { freePort, missingServer, startServer, type TestServer } from './start-server';

const openssl = spawnSync('openssl', ['version']).status === 0;
const skip = missingServer() ?? (openssl ? undefined : 'openssl is not installed: the TLS test makes its certificates with it');

function certificates(dir: string): { ca: string; otherCa: string; cert: string; key: string } {
  const o = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  for (const ca of ['ca', 'other-ca']) o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=dbe test ${ca}`]);
  o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  o(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  return { ca: path.join(dir, 'ca.pem'), otherCa: path.join(dir, 'other-ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}

describe('live MySQL/MariaDB over TLS', { skip }, () => {
  let tls: TestServer, plain: TestServer, tlsPort = 0, plainPort = 0, certs: ReturnType<typeof certificates>, dir = '';
  const env = { MYSQL_PWD: 'Sekret-77', HOME: '/nonexistent' };
  const url = (host: string, port: number, q: string) => `mysql://app@${host}:${port}/d${q}`;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-tls-'));
    certs = certificates(dir);
    tlsPort = await freePort();
    tls = await startServer([`--ssl-ca=${certs.ca}`, `--ssl-cert=${certs.cert}`, `--ssl-key=${certs.key}`], { port: tlsPort });
    plainPort = await freePort();
    plain = await startServer([], { port: plainPort });
    for (const s of [tls, plain]) s.sql("CREATE DATABASE d; CREATE USER app@'%' IDENTIFIED BY 'Sekret-77'; GRANT SELECT ON d.* TO app@'%';");
    fs.rmSync(path.join(dir, 'ca.key'));
  });
  after(async () => {
    await tls?.stop();
    await plain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prefers TLS by default, and verifies the CA and the host name when asked', async () => {
    for (const [u, what] of [
      [url('127.0.0.1', tlsPort, ''), 'default (PREFERRED)'],
      [url('127.0.0.1', tlsPort, `?ssl-mode=REQUIRED`), 'REQUIRED'],
      [url('127.0.0.1', tlsPort, `?ssl-mode=VERIFY_CA&ssl-ca=${encodeURIComponent(certs.ca)}`), 'VERIFY_CA'],
      [url('localhost', tlsPort, `?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(certs.ca)}`), 'VERIFY_IDENTITY'],
      [url('localhost', tlsPort, `?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.ca)}`), 'libpq names'],
    ] as const) {
      const s = await MySqlSession.open({ url: u, env });
      try {
        assert.match(s.transport, /^TLS 1\.[23]$/, what);
        const r = await s.query<{ c: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
        assert.ok(String((r.rows[0] as any)?.Value ?? '').length > 0, what);
      } finally { await s.close(); }
    }
  });

  it('refuses a certificate from another CA, in one line without the password', async () => {
    await assert.rejects(MySqlSession.open({ url: url('127.0.0.1', tlsPort, `?ssl-mode=VERIFY_CA&ssl-ca=${encodeURIComponent(certs.otherCa)}`), env }),
      (e: any) => e instanceof LiveError && /the server's TLS certificate does not pass ssl-mode verify-ca/.test(e.message) && !e.message.includes('\n') && !e.message.includes('Sekret-77'));
    await assert.rejects(MySqlSession.open({ url: url('127.0.0.1', tlsPort, `?ssl-mode=REQUIRED&ssl-ca=${encodeURIComponent(certs.otherCa)}`), env }),
      (e: any) => e instanceof LiveError && /does not pass ssl-mode require/.test(e.message));
  });

  it('falls back to plain with PREFERRED, and refuses REQUIRED, on a server without TLS', async () => {
    const s = await MySqlSession.open({ url: url('127.0.0.1', plainPort, ''), env });
    try { assert.equal(s.transport, 'no TLS'); } finally { await s.close(); }
    const off = await MySqlSession.open({ url: url('127.0.0.1', tlsPort, '?ssl-mode=DISABLED'), env });
    try { assert.equal(off.transport, 'no TLS'); } finally { await off.close(); }
    await assert.rejects(MySqlSession.open({ url: url('127.0.0.1', plainPort, '?ssl-mode=REQUIRED'), env }),
      (e: any) => e instanceof LiveError && /the server does not offer TLS, and ssl-mode require requires it/.test(e.message));
  });
});
