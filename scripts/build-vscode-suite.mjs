// Bundles the vscode-API suite (test/vscode/suite.ts) to out/vscode-suite.js and packages the tiny
// runner extension (test/vscode/runner) to out/dbe-test-runner.vsix. Both are for tests only.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
mkdirSync('out', { recursive: true });
await build({ entryPoints: ['test/vscode/suite.ts'], outfile: 'out/vscode-suite.js', bundle: true, platform: 'node', target: 'node18', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', resolve('out/dbe-test-runner.vsix')], { cwd: 'test/vscode/runner', stdio: ['ignore', 'pipe', 'inherit'] });
