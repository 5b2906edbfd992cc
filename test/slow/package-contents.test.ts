// What the .vsix holds: what @vscode/vsce would package (the .vscodeignore allowlist), listed with
// `vsce ls` (about 10 s: vsce asks npm for the production dependencies), and whether the PGlite files
// it keeps are all Node needs: a PGlite with contrib extensions starts from a copy of just those files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers';
import { SHIPPED_EXTENSIONS } from '../../server/src/sandbox/extensions';

const PGLITE = 'node_modules/@electric-sql/pglite/';
let listed: string[] | undefined;
/** The files vsce would package (once per run). */
function packaged(): string[] {
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  return (listed ??= execFileSync(process.execPath, [vsce, 'ls'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').sort());
}

test('the package holds the bundles, the parser\'s wasm, PGlite, personas, media, the example and rule docs, and nothing else', () => {
  const files = packaged();
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/server.js', 'dist/cli.js', 'dist/webview.js', 'dist/libpg-query.wasm',
    'dist/sandbox-worker.js', 'dist/mysql-syntax-worker.js', 'dist/explain.js', 'dist/mysql2.js', 'media/explain.css', 'media/icon.png',
    // the sandbox's PostgreSQL, loaded by dist/sandbox-worker.js and dist/cli.js from beside dist/
    `${PGLITE}package.json`, `${PGLITE}dist/index.cjs`, `${PGLITE}dist/pglite.wasm`, `${PGLITE}dist/pglite.data`, `${PGLITE}dist/initdb.wasm`, `${PGLITE}dist/pg_trgm.tar.gz`,
    'agents/database-engineer.md', 'media/chat.css', 'media/walkthrough/chat.md', 'examples/shop/queries/reports.sql', 'docs/rules/select-star.md']) {
    assert.ok(files.includes(f), `${f} is packaged`);
  }
  const stray = files.filter((f) => !f.startsWith(PGLITE) && /^node_modules\/|^(server|client|test|scripts|bench)\/|\.ts$|^docs\/(decisions|images)\//.test(f));
  assert.deepEqual(stray, [], 'no sources, tests or dependencies other than PGlite');
});

test('no source maps or type declarations anywhere in the package, of DB Engineer or of PGlite', () => {
  assert.deepEqual(packaged().filter((f) => /\.map$|\.d\.[cm]?ts$/.test(f)), []);
});

test('of PGlite only what Node loads: the CommonJS entry, the wasm and data files, and each shipped extension\'s module and archive; no ES-module copies, browser-only or unused entries', () => {
  const pg = packaged().filter((f) => f.startsWith(PGLITE)).map((f) => f.slice(PGLITE.length));
  for (const mod of Object.values(SHIPPED_EXTENSIONS)) {
    assert.ok(pg.includes(`dist/contrib/${mod}.cjs`), `the ${mod} module`);
    // the archive the module loads (moddatetime's is spi.tar.gz, uuid_ossp's uuid-ossp.tar.gz)
    const archives = [...fs.readFileSync(path.join(ROOT, PGLITE, 'dist', 'contrib', `${mod}.cjs`), 'utf8').matchAll(/new URL\("\.\.\/([\w.-]+\.tar\.gz)"/g)].map((m) => m[1]);
    assert.ok(archives.length, `${mod}: the archive it loads is named in its module`);
    for (const a of archives) assert.ok(pg.includes(`dist/${a}`), `${mod}: its archive ${a}`);
  }
  const unwanted = pg.filter((f) => /\.(m?js|map|ts|cts|mts)$/.test(f) || /^dist\/(worker|fs|live|node-postgres)\//.test(f) || /^dist\/(templating|pglite)\.cjs$/.test(f));
  assert.deepEqual(unwanted, []);
});

test('the PGlite files the package holds are enough for Node: PostgreSQL starts from a copy of just them, with two contrib extensions, and a data directory round-trips', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-pkg-pglite-'));
  try {
    for (const f of packaged().filter((x) => x.startsWith(PGLITE))) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    const script = `
      const { PGlite } = require('@electric-sql/pglite');
      const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');
      const { uuid_ossp } = require('@electric-sql/pglite/contrib/uuid_ossp');
      (async () => {
        const db = new PGlite({ extensions: { pg_trgm, uuid_ossp } });
        await db.exec('CREATE EXTENSION pg_trgm; CREATE EXTENSION "uuid-ossp"; CREATE TABLE t (id uuid DEFAULT uuid_generate_v4(), s text); CREATE INDEX ON t USING gin (s gin_trgm_ops); INSERT INTO t (s) VALUES (\\'abc\\');');
        const data = await db.dumpDataDir('gzip');
        await db.close();
        const again = new PGlite({ loadDataDir: data, extensions: { pg_trgm, uuid_ossp } });
        const r = await again.query("SELECT s, similarity(s, 'abd') > 0 AS trgm, id IS NOT NULL AS uuid FROM t");
        console.log(JSON.stringify(r.rows));
        await again.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    fs.writeFileSync(path.join(dir, 'run.cjs'), script);
    const out = execFileSync(process.execPath, ['run.cjs'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), [{ s: 'abc', trgm: true, uuid: true }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
