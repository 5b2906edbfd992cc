// References and rename on lemmy through the real stdio server (dist/server.js): Find All References
// on the `person` table (also written `user_` before its 2021 rename) and on `post.id`, the first time
// (the reference index is built for the request), again (index cached), and after an edit of a query
// file (the index is rebuilt); prepareRename and rename of post.name. Best and median of N runs.
// Prints one JSON line. Usage: npm run build && node --import tsx bench/references.ts [--runs N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileUri, LspClient } from '../test/lspClient';

const ROOT = path.resolve(__dirname, '..');
const LEMMY = path.resolve(ROOT, '..', 'shared', 'corpus', 'lemmy');
const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 5);

function pos(file: string, needle: string, into: number) {
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf(needle) + into;
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const stats = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return { best: +s[0].toFixed(1), median: +s[s.length >> 1].toFixed(1) }; };

async function main(): Promise<void> {
  if (!fs.existsSync(LEMMY)) { console.log(JSON.stringify({ skipped: `no corpus at ${LEMMY}` })); return; }
  const rename = path.join(LEMMY, 'migrations_2021-03-09-171136_split_user_table_2_up.sql');
  const personAt = pos(rename, 'ALTER TABLE user_ RENAME TO person', 13);
  const post = path.join(LEMMY, 'migrations_2019-03-03-163336_create_post_up.sql');
  const postIdAt = pos(post, 'id serial', 1);
  const first: number[] = [], again: number[] = [], postId: number[] = [], afterEdit: number[] = [], prepare: number[] = [];
  let count = 0, postCount = 0;
  for (let run = 0; run < RUNS; run++) {
    const c = await LspClient.start({ folder: LEMMY, settings: { debounceMs: 5 } });
    try {
      await c.waitForStatus((s) => s.state === 'ready', 300_000);
      const refs = (file: string, p: { line: number; character: number }) => c.conn.sendRequest('textDocument/references', { textDocument: { uri: fileUri(file) }, position: p, context: { includeDeclaration: true } }) as Promise<unknown[]>;
      const a = await timed(() => refs(rename, personAt)); first.push(a.ms); count = a.value.length;
      const b = await timed(() => refs(rename, personAt)); again.push(b.ms);
      const d = await timed(() => refs(post, postIdAt)); postId.push(d.ms); postCount = d.value.length;
      const p = await timed(() => c.conn.sendRequest('textDocument/prepareRename', { textDocument: { uri: fileUri(post) }, position: postIdAt })); prepare.push(p.ms);
      // an edit of a query-like file: a new revision, so the next request rebuilds the index
      const scratch = fileUri(path.join(LEMMY, 'zz_bench_scratch.sql'));
      await c.open(scratch, 'SELECT id FROM person;\n', 60_000);
      await c.change(scratch, 'SELECT id, name FROM person;\n', 60_000);
      const e = await timed(() => refs(rename, personAt)); afterEdit.push(e.ms);
    } finally { await c.stop(); }
  }
  console.log(JSON.stringify({
    project: 'lemmy', runs: RUNS, references: { person: count, postId: postCount },
    firstMs: stats(first), cachedMs: stats(again), postIdMs: stats(postId), prepareRenameMs: stats(prepare), afterEditMs: stats(afterEdit),
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
