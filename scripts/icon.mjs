// node scripts/icon.mjs: renders media/icon-marketplace.svg into media/icon.png (256x256, transparent
// corners), the Marketplace icon named by package.json "icon". Uses Debian's chromium headless
// (--screenshot); run it again after editing the SVG and commit both files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SIZE = 256;
const svg = resolve('media/icon-marketplace.svg');
const out = resolve('media/icon.png');
const dir = mkdtempSync(join(tmpdir(), 'dbe-icon-'));
try {
  const page = join(dir, 'icon.html');
  writeFileSync(page, `<html><body style="margin:0;background:transparent"><img src="${pathToFileURL(svg)}" width="${SIZE}" height="${SIZE}"></body></html>`);
  const png = join(dir, 'icon.png');
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--default-background-color=00000000',
    `--window-size=${SIZE},${SIZE}`, `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${png}`, pathToFileURL(page).href], { stdio: ['ignore', 'ignore', 'pipe'] });
  const head = readFileSync(png);
  if (head.readUInt32BE(16) !== SIZE || head.readUInt32BE(20) !== SIZE) throw new Error(`chromium wrote a ${head.readUInt32BE(16)}x${head.readUInt32BE(20)} image, not ${SIZE}x${SIZE}`);
  copyFileSync(png, out);
  console.log(`${out}: ${SIZE}x${SIZE}, ${head.length} bytes`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
