// The outline of a MySQL / MariaDB file from its tokens (dialects/mysql/lex.ts): tables with their
// columns, views, procedures, functions, triggers, events and indexes it creates. MySQL statements have
// no PostgreSQL parse tree, so the outline reads the statement heads itself; a statement it does not
// recognise adds nothing (never a wrong name).
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { SourceFile } from '../model';
import { lex, type MyToken } from '../dialects/mysql/lex';

const ELEMENT_KEYWORDS = new Set(['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'CONSTRAINT', 'FOREIGN', 'FULLTEXT', 'SPATIAL', 'CHECK', 'PERIOD']);
const isName = (t: MyToken | undefined) => !!t && (t.kind === 'word' || t.kind === 'quoted');

/** A possibly qualified name at toks[i]: its span (file offsets added by the caller), display and next index. */
function nameAt(toks: MyToken[], i: number): { start: number; end: number; name: string; next: number } | undefined {
  if (!isName(toks[i])) return undefined;
  let j = i, name = toks[i].value;
  while (toks[j + 1]?.kind === 'op' && toks[j + 1].value === '.' && isName(toks[j + 2])) { name += '.' + toks[j + 2].value; j += 2; }
  return { start: toks[i].start, end: toks[j].end, name, next: j + 1 };
}

export function mySqlOutline(file: SourceFile): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const range = (s: number, e: number) => file.lines.range(s, e);
  for (const stmt of file.statements) {
    const toks = lex(stmt.text).tokens;
    if (toks[0]?.upper !== 'CREATE') continue;
    const at = (o: number) => stmt.start + o;
    let i = 1;
    const skipWords = (...w: string[]) => { while (toks[i]?.kind === 'word' && w.includes(toks[i].upper)) i++; };
    skipWords('OR', 'REPLACE', 'TEMPORARY', 'ONLINE', 'OFFLINE', 'AGGREGATE');
    // ALGORITHM=..., DEFINER=user@host, SQL SECURITY ...
    for (;;) {
      const w = toks[i]?.upper;
      if (w === 'ALGORITHM' || w === 'DEFINER') { i += 2; while (toks[i] && !(toks[i].kind === 'word' && ['VIEW', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT', 'SQL'].includes(toks[i].upper))) i++; continue; }
      if (w === 'SQL' && toks[i + 1]?.upper === 'SECURITY') { i += 3; continue; }
      break;
    }
    let what = toks[i]?.upper ?? '';
    let unique = '';
    if (what === 'UNIQUE' || what === 'FULLTEXT' || what === 'SPATIAL') { unique = what.toLowerCase() + ' '; i++; what = toks[i]?.upper ?? ''; }
    i++;
    skipWords('IF', 'NOT', 'EXISTS');
    const n = nameAt(toks, i);
    if (!n) continue;
    const full = range(stmt.start, stmt.end), sel = range(at(n.start), at(n.end));
    const push = (kind: SymbolKind, detail: string, children?: DocumentSymbol[]) => out.push({ name: n.name, kind, detail, range: full, selectionRange: sel, ...(children ? { children } : {}) });
    switch (what) {
      case 'TABLE': {
        const children: DocumentSymbol[] = [];
        if (toks[n.next]?.value === '(' && toks[n.next].kind === 'op') {
          let depth = 0, elemStart = n.next + 1;
          for (let k = n.next; k < toks.length; k++) {
            const t = toks[k];
            if (t.kind !== 'op') continue;
            if (t.value === '(') depth++;
            else if (t.value === ')' || t.value === ',') {
              if (t.value === ')') depth--;
              if ((t.value === ',' && depth === 1) || (t.value === ')' && depth === 0)) {
                const first = toks[elemStart];
                if (isName(first) && !(first.kind === 'word' && ELEMENT_KEYWORDS.has(first.upper)) && k > elemStart) {
                  const type = toks[elemStart + 1]?.kind === 'word' ? toks[elemStart + 1].value.toLowerCase() : undefined;
                  children.push({ name: first.value, kind: SymbolKind.Field, detail: type, range: range(at(first.start), at(toks[k - 1].end)), selectionRange: range(at(first.start), at(first.end)) });
                }
                elemStart = k + 1;
                if (depth === 0) break;
              }
            }
          }
        }
        push(SymbolKind.Class, 'table', children);
        break;
      }
      case 'VIEW': push(SymbolKind.Interface, 'view'); break;
      case 'PROCEDURE': push(SymbolKind.Function, 'procedure'); break;
      case 'FUNCTION': push(SymbolKind.Function, 'function'); break;
      case 'EVENT': push(SymbolKind.Event, 'event'); break;
      case 'TRIGGER': {
        const on = toks.findIndex((t, k) => k > n.next && t.upper === 'ON');
        const tn = on > 0 ? nameAt(toks, on + 1) : undefined;
        push(SymbolKind.Event, `trigger on ${tn?.name ?? ''}`.trim());
        break;
      }
      case 'INDEX': {
        const on = toks.findIndex((t, k) => k >= n.next && t.upper === 'ON');
        const tn = on > 0 ? nameAt(toks, on + 1) : undefined;
        push(SymbolKind.Key, `${unique}index on ${tn?.name ?? ''}`.trim());
        break;
      }
    }
  }
  return out;
}
