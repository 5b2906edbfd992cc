// The runaway statements of decision 0014 through `dbe lint --sandbox`: wall time and peak RSS of the
// CLI process (GNU time's %M) for each. `--cli PATH` measures another build (the one before the
// limits: it has no limits, so `--cap SECONDS` kills it after that long); `--only NAME` runs one case.
//   node --import tsx bench/sandbox-limits.ts [--cli dist/cli.js] [--cap 600] [--only ctas] [-- extra dbe args]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const cli = path.resolve(opt('--cli') ?? path.join(__dirname, '..', 'dist', 'cli.js'));
const cap = Number(opt('--cap') ?? 600);
const only = opt('--only');
const extra = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];

const CASES: Record<string, { sql: string; rows?: number }> = {
  'pg_sleep': { sql: 'SELECT pg_sleep(100000);' },
  'do-loop': { sql: 'DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;' },
  'ctas': { sql: 'CREATE TABLE big AS SELECT generate_series(1, 100000000) AS id;' },
  'rows': { sql: 'SELECT 1;', rows: 10_000_000 },
  'array_agg': { sql: 'SELECT array_length(array_agg(g), 1) FROM generate_series(1, 200000000) g;' },
  'array_agg-text': { sql: "SELECT array_length(array_agg(repeat('x', 1000)), 1) FROM generate_series(1, 2000000);" },
};

/** Runs node with `argv`; peak RSS from /proc/<pid>/status (VmHWM), polled; SIGKILL after `cap` seconds. */
function measure(argv: string[]): Promise<{ seconds: number; peakMb: number; code: number | null; killed: boolean; stdout: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '', peak = 0, killed = false;
    child.stdout.on('data', (d) => { stdout += d; });
    const poll = setInterval(() => {
      try { peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)); } catch { /* exited */ }
    }, 100);
    const kill = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, cap * 1000);
    child.on('close', (code) => {
      clearInterval(poll); clearTimeout(kill);
      resolve({ seconds: (performance.now() - t0) / 1000, peakMb: Math.round(peak / 1024), code, killed, stdout });
    });
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-limits-'));
void (async () => {
try {
  for (const [name, c] of Object.entries(CASES)) {
    if (only && name !== only) continue;
    const dir = path.join(tmp, name);
    fs.mkdirSync(path.join(dir, 'migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ sandbox: { rows: c.rows ?? 0 } }));
    fs.writeFileSync(path.join(dir, 'migrations', '001.sql'), `CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\n${c.sql}\nSELECT emial FROM accounts;\n`);
    const r = await measure([cli, 'lint', dir, ...extra]);
    const found = (r.stdout.match(/postgres-error .*$/gm) ?? []).map((l) => l.slice(15, 130));
    console.log(`${name}: ${r.killed ? `killed after ${cap} s (no limit stopped it)` : `${r.seconds.toFixed(1)} s, exit ${r.code}`}, peak RSS ${r.peakMb} MB; ${found.join(' | ')}`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
})();
