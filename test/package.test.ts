// The .vsix manifest: the VS Code version it claims, its Marketplace icon and when it activates. What
// goes into the package (vsce, the .vscodeignore allowlist) is checked by test/slow/package-contents.test.ts;
// `npm run package` writes the file itself; the e2e suite installs and runs it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
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

test('the Marketplace icon is a square PNG of 128 or 256 pixels, shipped in media/', () => {
  assert.equal(pkg.icon, 'media/icon.png');
  const png = fs.readFileSync(path.join(ROOT, pkg.icon));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.ok(w === h && (w === 128 || w === 256), `${w}x${h}`);
  assert.match(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m, 'media/ is packaged');
});

test('activation: a SQL file opened, a .dbe.json in the workspace, or DB Engineer\'s own views; not any workspace holding a .sql file', () => {
  assert.deepEqual(pkg.activationEvents, ['onLanguage:sql', 'workspaceContains:**/.dbe.json', 'onView:dbEngineer.chat', 'onView:dbEngineer.schema']);
  // commands activate on their own (VS Code 1.74+ derives onCommand from contributes.commands)
  assert.ok(cmp(min(pkg.engines.vscode), '1.74.0') >= 0);
});
