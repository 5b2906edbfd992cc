// Dialect detection over a corpus (issue #12, server/src/sql/dialect.ts): how many files get the
// other-dialect notice, and how many still have syntax errors without it.
// Usage: node --import tsx bench/dialect.ts pg ../shared/corpus ../measure/projects   (PostgreSQL: expect 0 notices; mysql/ skipped)
//        node --import tsx bench/dialect.ts my ../shared/corpus/mysql                 (lists the files with errors and no notice)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initParser, parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { detectDialect, dialectMessage } from '../server/src/sql/dialect';
function list(d: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== '.git') list(p, out); }
    else if (e.isFile() && e.name.toLowerCase().endsWith('.sql')) out.push(p);
  }
  return out;
}
void initParser().then(() => {
  const [mode, ...dirs] = process.argv.slice(2);
  let n = 0, hits = 0, errFiles = 0, errNoNotice = 0;
  const byDialect = new Map<string, number>();
  for (const d of dirs) for (const f of list(d)) {
    if (mode === 'pg' && f.includes('/corpus/mysql/')) continue;
    const st = fs.statSync(f); if (st.size > 2 * 1024 * 1024) continue;
    const text = fs.readFileSync(f, 'utf8');
    n++;
    const sp = splitStatements(text);
    const spans = sp.statements.map((s) => ({ start: s.start, end: s.end, error: !s.templated && !!parseStatement(s.text).error }));
    const g = detectDialect(text, spans);
    const errs = spans.filter((s) => s.error).length;
    if (errs) errFiles++;
    if (g) { hits++; byDialect.set(g.name, (byDialect.get(g.name) ?? 0) + 1); if (mode === 'pg' || process.env.V) console.log('NOTICE', f, dialectMessage(g)); }
    else if (errs) { errNoNotice++; if (mode !== 'pg') console.log('ERR-NO-NOTICE', f, errs, 'of', spans.length); }
  }
  console.log(`${mode}: ${n} files, ${hits} notices ${JSON.stringify([...byDialect])}, files with syntax errors ${errFiles}, with errors and no notice ${errNoNotice}`);
});
