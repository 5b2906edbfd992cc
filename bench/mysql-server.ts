// The MySQL server check (server/src/mysql-server): making the template data directory (once per
// machine and server version; measured here in a fresh cache directory), starting a throwaway server
// from a copy of it (N times: best and median), replaying the kratos MySQL migrations
// (../shared/corpus/mysql/ory+kratos, *.mysql.up.sql in file-name order) into a throwaway database
// over one connection (N times), and stopping the server. Prints lines, then one JSON line.
//   node --import tsx bench/mysql-server.ts [--runs N]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkMySqlMigrations, localTarget } from '../server/src/mysql-server/check';
import { findServerBinary, startLocalServer } from '../server/src/mysql-server/local';

const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 5);
const KRATOS = path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'mysql', 'ory+kratos');
const ms = (x: number) => +x.toFixed(1);
const stats = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return { best: ms(s[0]), median: ms(s[s.length >> 1]) }; };

async function main(): Promise<void> {
  const bin = findServerBinary();
  if (!bin) { console.log('no mariadbd/mysqld here: nothing to measure'); console.log(JSON.stringify({ skipped: 'no server binary' })); return; }
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-mysql-'));
  try {
    const starts: number[] = [], stops: number[] = [], replays: number[] = [];
    let templateMs = 0, statements = 0, errors = 0, filesN = 0;
    const files = fs.existsSync(KRATOS)
      ? fs.readdirSync(KRATOS).filter((f) => f.endsWith('.mysql.up.sql')).sort().map((f) => ({ path: path.join(KRATOS, f), text: fs.readFileSync(path.join(KRATOS, f), 'utf8') }))
      : [];
    filesN = files.length;
    for (let i = 0; i < RUNS; i++) {
      const s = await startLocalServer({ cacheDir: cache });
      if (s.templateMs !== undefined) templateMs = s.templateMs;
      starts.push(s.startMs);
      try {
        if (files.length) {
          const r = await checkMySqlMigrations(localTarget(s), files);
          replays.push(r.ms);
          statements = r.ran;
          errors = r.errors.length;
        }
      } finally {
        const t = performance.now();
        await s.stop();
        stops.push(performance.now() - t);
      }
    }
    console.log(`${bin.label} (${bin.version}), ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`template data directory (once): ${ms(templateMs)} ms`);
    console.log(`start from the template (copy + first connection), ${RUNS} runs: best ${stats(starts).best} ms, median ${stats(starts).median} ms`);
    if (files.length) console.log(`replay of kratos (${filesN} files, ${statements} statements, ${errors} rejected): best ${stats(replays).best} ms, median ${stats(replays).median} ms`);
    else console.log(`kratos corpus not found at ${KRATOS}: no replay measured`);
    console.log(`stop (kill + remove): best ${stats(stops).best} ms, median ${stats(stops).median} ms`);
    console.log(JSON.stringify({ server: bin.version, templateMs: ms(templateMs), start: stats(starts), replay: replays.length ? { ...stats(replays), files: filesN, statements, rejected: errors } : null, stop: stats(stops) }));
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e?.message ?? e); process.exitCode = 1; });
