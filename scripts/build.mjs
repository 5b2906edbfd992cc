// Bundles the extension client, the language server and the CLI into dist/ (PGlite excepted, see below).
// libpg-query loads its .wasm from beside its own JS, so the wasm file is copied next to the bundles.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });

// PGlite stays outside the bundles: it finds its .wasm, .data and extension .tar.gz files beside its
// own modules, and it is loaded only when the sandbox is used.
// pg's optional native binding (pg-native) is never enabled: left unresolved.
// mysql2 is its own bundle (dist/mysql2.js), required on first use (server/src/mysql-server/driver.ts).
// The MCP SDK is its own bundle too (dist/mcp-sdk.js), required by `dbe mcp` (server/src/cli/mcp-sdk.ts).
const external = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg-native', 'mysql2', 'mysql2/*', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'];
const common = {
  bundle: true,
  external,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: [...external, 'vscode'] }),
  build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The sandbox's worker thread (started by the language server; finds PGlite in node_modules beside dist/).
  build({ ...common, entryPoints: ['server/src/sandbox/worker.ts'], outfile: 'dist/sandbox-worker.js' }),
  // mysql2 for the MySQL server check, loaded only when it is used.
  build({ ...common, external: ['pg-native'], entryPoints: ['server/src/mysql-server/mysql2-bundle.ts'], outfile: 'dist/mysql2.js' }),
  // The MCP SDK (with zod and ajv) for `dbe mcp`, loaded only when it is used (server/src/cli/mcp-sdk.ts).
  build({ ...common, external: ['@electric-sql/pglite', 'pg-native'], entryPoints: ['server/src/cli/mcp-sdk-bundle.ts'], outfile: 'dist/mcp-sdk.js' }),
  // The MySQL grammar (dt-sql-parser, ~4 MB): the language server's syntax worker, and the module the
  // CLI loads for inline checks; kept out of the other bundles (server/src/dialects/mysql/syntax.ts).
  build({ ...common, entryPoints: ['server/src/dialects/mysql/syntax-worker.ts'], outfile: 'dist/mysql-syntax-worker.js', minify: true }),
  // The chat webview script runs in the browser sandbox: no node built-ins, one self-contained IIFE.
  build({ bundle: true, platform: 'browser', target: 'es2020', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['client/src/webview/main.ts'], outfile: 'dist/webview.js' }),
  // The plan panel's script (webview, like the chat's).
  build({ bundle: true, platform: 'browser', target: 'es2020', format: 'iife', sourcemap: true, logLevel: 'warning', entryPoints: ['client/src/explain/main.ts'], outfile: 'dist/explain.js' }),
]);

const wasm = join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm');
copyFileSync(wasm, 'dist/libpg-query.wasm');
chmodSync('dist/server.js', 0o755);
chmodSync('dist/cli.js', 0o755);
if (watch) console.log('watch mode is not supported; re-run npm run build');
