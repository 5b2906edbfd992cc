// The .vsix: what @vscode/vsce would package (the .vscodeignore allowlist) and the VS Code version the
// manifest claims. `npm run package` writes the file itself; the e2e suite installs and runs it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const min = (range: string) => /(\d+\.\d+\.\d+)/.exec(range)![1];
const cmp = (a: string, b: string) => { const x = a.split('.').map(Number), y = b.split('.').map(Number); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; };

test('engines.vscode is the oldest VS Code the APIs used allow: the typings compiled against, and the language client\'s own floor', () => {
  const types = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@types', 'vscode', 'package.json'), 'utf8')).version;
  const lc = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8')).engines.vscode;
  const floor = [types, min(lc)].sort(cmp).at(-1)!;
  assert.equal(min(pkg.engines.vscode), floor, `engines.vscode ${pkg.engines.vscode}; @types/vscode ${types}; vscode-languageclient needs ${lc}`);
  // the typings are pinned, so `npm run typecheck` proves no newer API is used unguarded
  assert.match(pkg.devDependencies['@types/vscode'], /^\d+\.\d+\.\d+$/);
});

test('the package holds the bundles, the parser\'s wasm, PGlite, personas, media, the example and rule docs, and nothing else', () => {
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const files = execFileSync(process.execPath, [vsce, 'ls'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').sort();
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/server.js', 'dist/cli.js', 'dist/webview.js', 'dist/libpg-query.wasm',
    'dist/sandbox-worker.js', 'dist/explain.js', 'media/explain.css',
    // the sandbox's PostgreSQL, loaded by dist/sandbox-worker.js and dist/cli.js from beside dist/
    'node_modules/@electric-sql/pglite/package.json', 'node_modules/@electric-sql/pglite/dist/index.cjs',
    'node_modules/@electric-sql/pglite/dist/pglite.wasm', 'node_modules/@electric-sql/pglite/dist/pglite.data', 'node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz',
    'agents/database-engineer.md', 'media/chat.css', 'media/walkthrough/chat.md', 'examples/shop/queries/reports.sql', 'docs/rules/select-star.md']) {
    assert.ok(files.includes(f), `${f} is packaged`);
  }
  const pglite = (f: string) => f.startsWith('node_modules/@electric-sql/pglite/');
  const stray = files.filter((f) => !pglite(f) && /\.map$|^node_modules\/|^(server|client|test|scripts|bench)\/|\.ts$|^docs\/(decisions|images)\//.test(f));
  assert.deepEqual(stray, [], 'no sources, maps, tests or dependencies other than PGlite');
  // all of PGlite's files, so its own relative loads (wasm, data, extensions) find what they need
  const shipped = files.filter(pglite).length;
  const onDisk = (fs.readdirSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite'), { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => d.isFile()).length;
  assert.equal(shipped, onDisk, 'every file of node_modules/@electric-sql/pglite');
});
