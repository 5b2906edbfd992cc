// `dbe rules`: the registered rules, one a line (or JSON).
import { DOCUMENTED_RULES } from '../rules';
import { ruleCatalogue } from './format';
import * as fs from 'node:fs';
import { ruleDocPath } from '../rule-docs';
import { InputError } from './collect';

export function rulesCommand(format: 'text' | 'json'): string {
  const cat = new Map(DOCUMENTED_RULES.map((r) => [r.meta.id, r.meta.category as string]));
  const rows = ruleCatalogue().map((r) => ({ id: r.id, category: cat.get(r.id) ?? 'general', severity: r.severity, title: r.title, fixable: DOCUMENTED_RULES.find((x) => x.meta.id === r.id)?.meta.fixable ?? false }));
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  const w = (k: 'id' | 'category' | 'severity') => Math.max(k.length, ...rows.map((r) => r[k].length));
  const wi = w('id'), wc = w('category'), ws = w('severity');
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(wi)}  ${b.padEnd(wc)}  ${c.padEnd(ws)}  ${d}`.trimEnd();
  return [line('id', 'category', 'severity', 'title'), ...rows.map((r) => line(r.id, r.category, r.severity, r.title + (r.fixable ? ' (fixable)' : '')))].join('\n') + '\n';
}

/**
 * `dbe rules <id>`: the rule's documentation page as shipped (docs/rules/<id>.md), after a line with
 * its path; JSON: the catalogue entry with the path and the text. An unknown id is an input error.
 */
export function ruleDocCommand(rule: string, format: 'text' | 'json'): string {
  const entry = ruleCatalogue().find((r) => r.id === rule);
  if (!entry) throw new InputError(`there is no rule "${rule}" (dbe rules lists them)`);
  const file = ruleDocPath(rule);
  const text = file ? fs.readFileSync(file, 'utf8') : undefined;
  if (format === 'json') return JSON.stringify({ id: entry.id, severity: entry.severity, title: entry.title, path: file ?? null, text: text ?? null }, null, 2) + '\n';
  if (!file || text === undefined) return `${entry.id} (${entry.severity}): ${entry.title}\nThis installation has no documentation page for it (docs/rules/${entry.id}.md is missing).\n`;
  return `# ${file}\n\n${text.endsWith('\n') ? text : text + '\n'}`;
}
