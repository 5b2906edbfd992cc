// npm run package: builds the bundles and writes db-engineer-<version>.vsix with @vscode/vsce.
// What goes in is decided by .vscodeignore (an allowlist); the bundles carry every runtime
// dependency but PGlite, which the sandbox loads from node_modules/@electric-sql/pglite (its .wasm,
// .data and extension archives sit beside its modules): that one package is shipped, nothing else of
// node_modules (vsce lists the production dependencies, the allowlist keeps only PGlite's files).
// Prints the file's path, size and entry count.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = process.argv[2] ?? `${pkg.name}-${pkg.version}.vsix`;
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
try {
  execFileSync(process.execPath, [vsce, 'package', '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8',
  });
} catch (e) {
  process.stderr.write(`npm run package: vsce failed\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}
const size = statSync(out).size;
const list = execFileSync(process.execPath, [vsce, 'ls'], { encoding: 'utf8' }).trim().split('\n');
console.log(`${out}: ${(size / 1024).toFixed(0)} KiB, ${list.length} files`);
