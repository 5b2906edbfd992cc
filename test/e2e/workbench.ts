// A real VS Code workbench for end-to-end tests: the VS Code server build (tools.ts) on loopback with
// the packaged extension installed, a copy of examples/shop as the workspace, and headless Chromium
// (playwright-core) on the web workbench. Helpers drive it the way a user does: keyboard shortcuts,
// the command palette, clicks.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page, type Frame, type Locator } from 'playwright-core';
import { ensureTools, installVsix, startServer, writeSettings, type Tools } from '../../scripts/vscode-web';

export const ROOT = path.resolve(__dirname, '..', '..');
export const IMAGES = path.join(ROOT, 'docs', 'images');
export const ARTIFACTS = path.join(ROOT, 'e2e-artifacts');

export interface WorkbenchOptions {
  /** Workspace trust on (the folder opens in Restricted Mode until trusted) or off (trusted). */
  restricted?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server (and so the extension host). */
  env?: Record<string, string>;
  /** More .vsix files to install beside the extension (the test runner). */
  extraVsix?: string[];
  /** The folder of examples/ copied as the workspace (default 'shop'). */
  example?: string;
}

export function vsixPath(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

export class Workbench {
  tools!: Tools;
  dir = '';
  workspace = '';
  logFile = '';
  private server?: ChildProcess;
  browser?: Browser;
  page!: Page;

  constructor(private readonly options: WorkbenchOptions = {}) {}

  async start(): Promise<void> {
    this.tools = ensureTools((s) => process.stdout.write(`# e2e: ${s}\n`));
    const vsix = vsixPath();
    if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-e2e-'));
    const data = path.join(this.dir, 'server'), ext = path.join(this.dir, 'extensions'), user = path.join(this.dir, 'user');
    const example = this.options.example ?? 'shop';
    this.workspace = path.join(this.dir, example);
    fs.cpSync(path.join(ROOT, 'examples', example), this.workspace, { recursive: true });
    const settings = {
      'security.workspace.trust.enabled': !!this.options.restricted,
      'security.workspace.trust.startupPrompt': 'never',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'editor.minimap.enabled': false,
      'editor.hover.delay': 100,
      ...this.options.settings,
    };
    const dirs = { data, user, extensions: ext };
    writeSettings(dirs, settings);
    installVsix(this.tools, dirs, vsix);
    for (const x of this.options.extraVsix ?? []) installVsix(this.tools, dirs, x);
    this.logFile = path.join(this.dir, 'server.log');
    const started = await startServer(this.tools, dirs, { log: fs.openSync(this.logFile, 'a'), env: this.options.env });
    this.server = started.child;
    const port = started.port;
    this.browser = await chromium.launch({
      executablePath: this.tools.chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    this.page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await this.page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.waitForSelector('.monaco-workbench .statusbar', { timeout: 60_000 });
    await this.page.waitForTimeout(1500);
  }

  async stop(): Promise<void> {
    try { await this.browser?.close(); } catch { /* gone */ }
    if (this.server && this.server.exitCode === null) {
      this.server.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(r, 3000); this.server!.once('exit', () => { clearTimeout(t); r(undefined); }); });
      if (this.server.exitCode === null) this.server.kill('SIGKILL');
    }
    if (process.env.DBE_E2E_KEEP !== '1') fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A screenshot for the README (docs/images/NAME.png). */
  async shot(name: string): Promise<void> {
    fs.mkdirSync(IMAGES, { recursive: true });
    await this.page.screenshot({ path: path.join(IMAGES, `${name}.png`) });
  }

  /** On failure: a screenshot and the workbench log, where the output says. */
  async evidence(step: string): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const base = path.join(ARTIFACTS, step.replace(/[^a-z0-9]+/gi, '-'));
    try { await this.page.screenshot({ path: `${base}.png` }); } catch { /* page gone */ }
    const serverLog = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
    const extLogs = collectLogs(this.dir);
    fs.writeFileSync(`${base}.log`, `${serverLog}\n${extLogs}`);
    return `screenshot ${base}.png, workbench log ${base}.log; last lines:\n${(serverLog + extLogs).split('\n').slice(-25).join('\n')}`;
  }

  /** Runs a command from the command palette by its title. */
  async command(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
    await this.page.waitForTimeout(200);
    await this.page.keyboard.press('Enter');
  }

  /** Opens a workspace file by name through Quick Open and waits for its editor. */
  async open(relPath: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(relPath);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relPath) }).first().waitFor({ timeout: 10_000 });
    await this.page.waitForTimeout(200);
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tab.active[data-resource-name="${path.basename(relPath)}"]`).first().waitFor({ timeout: 10_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /** Moves the cursor (Go to Line/Column). Lines and columns are 1-based as in the status bar. */
  async goTo(line: number, column: number): Promise<void> {
    // Go to Line hands focus back to whatever had it: a panel's filter box would then take the next keys
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.statusbar', { hasText: `Ln ${line}, Col ${column}` }).waitFor({ timeout: 5_000 });
  }

  /**
   * Opens the quick-fix menu at a position and returns the row that names `title`. The menu is asked
   * for again (up to three times) when the row is missing: the server may still be analysing the edit.
   */
  async quickFix(line: number, column: number, title: string | RegExp): Promise<Locator> {
    let seen = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.goTo(line, column);
      await this.page.keyboard.press('Control+.');
      const rows = this.page.locator('.action-widget .monaco-list-row');
      const row = rows.filter({ hasText: title }).first();
      try {
        await row.waitFor({ timeout: 7_000 });
        return row;
      } catch {
        seen = (await rows.allTextContents().catch(() => [])).join(' | ');
        await this.page.keyboard.press('Escape');
        await this.page.waitForTimeout(1_000);
      }
    }
    throw new Error(`no quick fix "${title}" at ${line}:${column} after three tries; the menu showed: ${seen || '(nothing)'}`);
  }

  /** The visible text of the active editor's line (1-based), as rendered. */
  async lineText(line: number): Promise<string> {
    return this.page.evaluate((n) => {
      const editor = document.querySelector('.editor-instance .monaco-editor') as HTMLElement | null;
      if (!editor) return '';
      const nums = [...editor.querySelectorAll('.line-numbers')] as HTMLElement[];
      const num = nums.find((e) => e.textContent?.trim() === String(n));
      if (!num) return '';
      const top = (num.parentElement as HTMLElement).style.top;
      const lines = [...editor.querySelectorAll('.view-lines .view-line')] as HTMLElement[];
      return (lines.find((l) => l.style.top === top)?.textContent ?? '').replace(/\u00a0/g, ' ');
    }, line);
  }

  /** The screen point of `word` on rendered line `line` of the active editor (for hovering). */
  async pointOf(line: number, word: string): Promise<{ x: number; y: number }> {
    const p = await this.page.evaluate(([n, w]) => {
      const editor = document.querySelector('.editor-instance .monaco-editor') as HTMLElement | null;
      if (!editor) return null;
      const nums = [...editor.querySelectorAll('.line-numbers')] as HTMLElement[];
      const num = nums.find((e) => e.textContent?.trim() === String(n));
      if (!num) return null;
      const top = (num.parentElement as HTMLElement).style.top;
      const el = ([...editor.querySelectorAll('.view-lines .view-line')] as HTMLElement[]).find((l) => l.style.top === top);
      if (!el) return null;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const i = (t.textContent ?? '').indexOf(w as string);
        if (i < 0) continue;
        const r = document.createRange();
        r.setStart(t, i); r.setEnd(t, i + (w as string).length);
        const b = r.getBoundingClientRect();
        return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
      }
      return null;
    }, [line, word] as const);
    if (!p) throw new Error(`"${word}" is not on the rendered line ${line}`);
    return p;
  }

  /** The frame of a webview view (its content frame inside the webview's outer iframe). */
  async webviewFrame(contains: string, timeout = 20_000): Promise<Frame> {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      for (const f of this.page.frames()) {
        try { if (await f.locator(contains).count()) return f; } catch { /* detached */ }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no webview frame with ${contains}`);
  }
}

function collectLogs(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log') && /exthost|DB Engineer|remoteagent/i.test(p)) out.push(`--- ${path.relative(dir, p)}\n${fs.readFileSync(p, 'utf8').split('\n').slice(-60).join('\n')}`);
    }
  };
  walk(path.join(dir, 'server', 'data', 'logs'));
  return out.join('\n');
}
