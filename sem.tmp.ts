import { projectFor, ready } from './test/helpers';
import { defaultConfig } from './server/src/config';
import { ALL_RULES } from './server/src/rules';
(async () => {
  await ready();
  const dir = process.argv[2];
  const mine = new Set(['unknown-relation', 'unknown-column']);
  const c1 = defaultConfig(); for (const r of ALL_RULES) if (!mine.has(r.meta.id)) c1.rules[r.meta.id] = 'off';
  const c0 = defaultConfig(); for (const r of ALL_RULES) c0.rules[r.meta.id] = 'off';
  const on = projectFor(dir, c1), off = projectFor(dir, c0), all = projectFor(dir);
  const t = (p: any) => { const s = process.hrtime.bigint(); p.analyze(); return Number(process.hrtime.bigint() - s) / 1e6; };
  t(on); t(off); t(all);
  const a: number[] = [], b: number[] = [], c: number[] = [];
  for (let i = 0; i < 9; i++) { b.push(t(off)); a.push(t(on)); c.push(t(all)); }
  for (const x of [a, b, c]) x.sort((x, y) => x - y);
  console.log(dir.split('/').pop(), `median ms: no rules ${b[4].toFixed(0)}, only unknown-* ${a[4].toFixed(0)} (+${(a[4] - b[4]).toFixed(0)}), all rules ${c[4].toFixed(0)}`);
})();
