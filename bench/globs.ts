// Glob matching (decision 0013): the time one glob takes on one path, with RE2JS (what dbe uses:
// no backtracking) and with JavaScript's RegExp on the same translated expression (what dbe used).
// Usage: node --import tsx bench/globs.ts [--runs N]
import { globMatcher } from '../server/src/config';

const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 5);
const EVIL = '**a**a**a**a**a**a**a**a**a**a**a**a**b';
// The pre-0013 translation of `**/` + EVIL: `(?:.*/)?` then `.*a` twelve times, then `.*b`.
const OLD_EVIL = new RegExp('^(?:.*/)?' + '.*a'.repeat(12) + '.*b$');

function ms(fn: () => void): number {
  const best: number[] = [];
  for (let r = 0; r < RUNS; r++) { const t = performance.now(); fn(); best.push(performance.now() - t); }
  return Math.min(...best);
}

console.log(`glob ${EVIL} on a path of n "a"s + ".sql" (best of ${RUNS}):`);
const evil = globMatcher(EVIL);
for (const n of [16, 20, 24, 28, 32]) {
  const p = 'a'.repeat(n) + '.sql';
  const old = n <= 28 ? `${ms(() => OLD_EVIL.test(p)).toFixed(1)} ms` : '(not run: minutes)';
  console.log(`  n=${n}: RegExp ${old}, RE2JS ${ms(() => evil.test(p)).toFixed(3)} ms`);
}
for (const n of [1000, 100_000]) {
  const p = 'a'.repeat(n) + '.sql';
  console.log(`  n=${n}: RE2JS ${ms(() => evil.test(p)).toFixed(2)} ms`);
}

// Ordinary globs: the defaults plus two typical ones, on 50,000 corpus-like paths.
const globs = ['**/node_modules/**', '**/.git/**', 'db/migrations/*.sql', 'gen/**'];
const paths = Array.from({ length: 50_000 }, (_, i) => `db/migrations/${String(i).padStart(6, '0')}_add_thing_${i % 97}.sql`);
const re2 = globs.map(globMatcher);
const js = ['^(?:.*/)?(?:.*/)?node_modules/.*$', '^(?:.*/)?(?:.*/)?\\.git/.*$', '^(?:.*/)?db/migrations/[^/]*\\.sql$', '^(?:.*/)?gen/.*$'].map((s) => new RegExp(s));
const count = (ms: { test(s: string): boolean }[]) => { let k = 0; for (const p of paths) if (ms.some((m) => m.test(p))) k++; return k; };
let a = 0, b = 0;
const tRe2 = ms(() => { a = count(re2); });
const tJs = ms(() => { b = count(js); });
if (a !== b) throw new Error(`matchers disagree: ${a} vs ${b}`);
console.log(`4 ordinary globs x 50,000 paths (${a} match): RE2JS ${tRe2.toFixed(0)} ms (${(tRe2 * 1000 / 50_000).toFixed(2)} µs a path), RegExp ${tJs.toFixed(0)} ms`);
