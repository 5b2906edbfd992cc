import type { Fix } from '../../model';
import { isAppliedMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { head, laterStatements, projectIndex, readAlterTable, readCreateTable, readName, readTableOptions, span, tokensOf, up, valueUpper, type TableOption } from './read';

/** Engines without transactions or foreign keys (MariaDB's Aria is crash-safe, but neither transactional nor FK-aware). */
const ENGINES: Record<string, string> = {
  MYISAM: 'MyISAM', MEMORY: 'MEMORY', HEAP: 'MEMORY', ARCHIVE: 'ARCHIVE', CSV: 'CSV', ARIA: 'Aria', MERGE: 'MERGE', MRG_MYISAM: 'MERGE',
  BLACKHOLE: 'BLACKHOLE', FEDERATED: 'FEDERATED',
};
const CRASH_UNSAFE = new Set(['MyISAM', 'MERGE', 'CSV', 'ARCHIVE']);

/** Tables elsewhere in the project whose foreign keys reference `key`. */
function referencedBy(ctx: StatementContext, key: string): string[] {
  const out = new Set<string>();
  const ix = projectIndex(ctx.files());
  for (const [table, stmts] of ix.byTable) {
    if (table === key) continue;
    for (const s of stmts) {
      const toks = tokensOf(s);
      for (let i = 0; i < toks.length; i++) if (up(toks[i]) === 'REFERENCES' && readName(toks, i + 1)?.key === key) out.add(table);
    }
  }
  return [...out];
}

function superseded(ctx: StatementContext, key: string): boolean {
  for (const s of laterStatements(ctx.files(), ctx.stmt, key)) {
    const toks = tokensOf(s);
    const h = head(toks);
    if (h.startsWith('DROP TABLE') || h.startsWith('RENAME') || h.startsWith('CREATE TABLE')) return true;
    if (toks.some((x) => up(x) === 'ENGINE' || up(x) === 'TYPE' || up(x) === 'RENAME')) return true;
  }
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'non-innodb-engine',
    dialects: ['mysql'],
    title: 'Table on a storage engine without transactions or foreign keys (MyISAM, MEMORY, ...)',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Data integrity over application logic"; "Use foreign key constraints" and transactions for multi-step changes.',
    rationale:
      'Only InnoDB gives MySQL tables transactions, foreign keys, row-level locks and crash recovery. On MyISAM (and MEMORY, ARCHIVE, CSV, Aria, MERGE...) a ROLLBACK leaves the table changed, a FOREIGN KEY clause is accepted and silently ignored, every write locks the whole table, and a crash can leave the table corrupt (MyISAM) or empty (MEMORY loses its rows at every restart).',
    bad: 'CREATE TABLE orders (\n  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  customer_id INT UNSIGNED NOT NULL,\n  FOREIGN KEY (customer_id) REFERENCES customers (id)\n) ENGINE=MyISAM;',
    good: 'CREATE TABLE orders (\n  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  customer_id INT UNSIGNED NOT NULL,\n  FOREIGN KEY (customer_id) REFERENCES customers (id)\n) ENGINE=InnoDB;',
    fixable: true,
    notes:
      'Reported for ENGINE (or the old TYPE) = MyISAM, MEMORY/HEAP, ARCHIVE, CSV, Aria, MERGE/MRG_MYISAM, BLACKHOLE and FEDERATED in CREATE TABLE and ALTER TABLE; other engines (NDB, RocksDB, TokuDB, ColumnStore, Spider, CONNECT...) are chosen for reasons of their own and are not judged. The message names what the table relies on that the engine does not give: a FOREIGN KEY it declares, tables whose foreign keys reference it. Not reported when a later migration changes its engine or drops it, nor in a rollback. The quick fix (ENGINE=InnoDB) is offered where the statement has not run yet; for an applied migration write `ALTER TABLE t ENGINE=InnoDB` in a new one (it copies the table).',
  },
  textFilter: /\b(?:engine|type)\b/i,
  beforeStatement(ctx) {
    if (ctx.runner.down || ctx.stmt.templated) return;
    const tokens = tokensOf(ctx.stmt);
    const h = head(tokens);
    let name: string, key: string, opts: TableOption[], fkHere = false;
    if (h.startsWith('CREATE TABLE')) {
      const t = readCreateTable(tokens);
      if (!t) return;
      ({ name, key } = t);
      opts = t.options;
      fkHere = t.open >= 0 && tokens.slice(t.open, t.close).some((x) => up(x) === 'REFERENCES');
    } else if (h.startsWith('ALTER TABLE')) {
      const a = readAlterTable(tokens);
      if (!a) return;
      ({ name, key } = a);
      opts = a.actions.flatMap((act) => (act.verb === 'ENGINE' || act.verb === 'TYPE' ? readTableOptions(tokens, act.from, act.to) : []));
      fkHere = a.actions.some((act) => tokens.slice(act.from, act.to).some((x) => up(x) === 'REFERENCES'));
    } else return;
    const engine = opts.filter((o) => o.key === 'ENGINE').pop();
    if (!engine) return;
    const e = ENGINES[valueUpper(tokens[engine.value])];
    if (!e || superseded(ctx, key)) return;
    const relies: string[] = [];
    if (fkHere) relies.push(`it declares a FOREIGN KEY, which ${e} accepts and silently ignores (nothing is checked)`);
    const refs = referencedBy(ctx, key);
    if (refs.length) relies.push(`${refs.slice(0, 3).join(', ')}${refs.length > 3 ? ` and ${refs.length - 3} more` : ''} reference${refs.length === 1 ? 's' : ''} it with a foreign key, which cannot hold against a ${e} table (an InnoDB table's key to it is refused, a non-InnoDB table's is ignored)`);
    const lacks = `no transactions (a ROLLBACK leaves its changes), no foreign keys, table-level locks${CRASH_UNSAFE.has(e) ? ', no crash recovery' : e === 'MEMORY' ? ', rows lost at every restart' : ''}`;
    // The fix only where InnoDB is a drop-in: MyISAM and Aria (MEMORY, ARCHIVE, CSV, BLACKHOLE... are
    // chosen for what they do), and not for MyISAM's per-group AUTO_INCREMENT (an AUTO_INCREMENT column
    // that is not first in a composite key: InnoDB refuses the table, error 1075)
    const dropIn = (e === 'MyISAM' || e === 'Aria') && !(/\bAUTO_INCREMENT\b(?!\s*=)/i.test(ctx.stmt.text) && /\bPRIMARY\s+KEY\s*\([^)]*,/i.test(ctx.stmt.text));
    const fixes: Fix[] | undefined = !dropIn || isAppliedMigration(ctx.files(), ctx.stmt.file)
      ? undefined
      : [{ title: 'Use ENGINE=InnoDB', edits: [{ path: ctx.stmt.file.path, ...span(ctx.stmt, tokens, engine.value), newText: 'InnoDB' }] }];
    ctx.report({
      ...span(ctx.stmt, tokens, engine.keyAt, engine.value),
      message: `Table ${name} uses ENGINE=${tokens[engine.value].value}: ${lacks}.${relies.length ? ` It relies on what ${e} lacks: ${relies.join('; ')}.` : ''} Use InnoDB.`,
      fixes,
    });
  },
};
