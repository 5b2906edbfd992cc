// `dbe rules`: the registered rules, one a line (or JSON).
import { DOCUMENTED_RULES } from '../rules';
import { ruleCatalogue } from './format';

export function rulesCommand(format: 'text' | 'json'): string {
  const cat = new Map(DOCUMENTED_RULES.map((r) => [r.meta.id, r.meta.category as string]));
  const rows = ruleCatalogue().map((r) => ({ id: r.id, category: cat.get(r.id) ?? 'general', severity: r.severity, title: r.title, fixable: DOCUMENTED_RULES.find((x) => x.meta.id === r.id)?.meta.fixable ?? false }));
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  const w = (k: 'id' | 'category' | 'severity') => Math.max(k.length, ...rows.map((r) => r[k].length));
  const wi = w('id'), wc = w('category'), ws = w('severity');
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(wi)}  ${b.padEnd(wc)}  ${c.padEnd(ws)}  ${d}`.trimEnd();
  return [line('id', 'category', 'severity', 'title'), ...rows.map((r) => line(r.id, r.category, r.severity, r.title + (r.fixable ? ' (fixable)' : '')))].join('\n') + '\n';
}
