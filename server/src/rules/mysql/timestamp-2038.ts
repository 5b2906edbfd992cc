import type { Rule, StatementContext } from '../types';
import { alterColumn, head, laterStatements, readAlterTable, readCreateTable, span, tokensOf, up, type ColumnDef } from './read';
import type { MyToken } from '../../dialects/mysql/lex';

/** True when a later migration changes or drops the column (or the table). */
function superseded(ctx: StatementContext, table: string, column: string): boolean {
  const col = column.toLowerCase();
  for (const s of laterStatements(ctx.files(), ctx.stmt, table)) {
    const toks = tokensOf(s);
    const h = head(toks);
    if (h.startsWith('DROP TABLE') || h.startsWith('RENAME') || h.startsWith('CREATE TABLE')) return true;
    if (!h.startsWith('ALTER TABLE')) continue;
    const a = readAlterTable(toks);
    if (!a || a.key !== table) { if (a) return true; continue; } // renamed into this name: unknown
    for (const act of a.actions) {
      if (act.verb === 'RENAME') return true;
      if ((act.verb === 'MODIFY' || act.verb === 'CHANGE' || act.verb === 'DROP' || act.verb === 'ALTER') && toks.slice(act.from, act.to).some((x) => (x.kind === 'word' || x.kind === 'quoted') && x.value.toLowerCase() === col)) return true;
    }
  }
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'timestamp-2038',
    dialects: ['mysql'],
    title: 'TIMESTAMP column: its range ends on 2038-01-19',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Plan for scale from day one"; Schema Design Standards: choose appropriate data types.',
    rationale:
      "MySQL's TIMESTAMP is a 32-bit count of seconds: its range ends at 2038-01-19 03:14:07 UTC. A later value is refused in strict mode or stored as 0000-00-00 00:00:00 otherwise, and that includes the current time once that day comes, so even a created_at / updated_at column filled by CURRENT_TIMESTAMP stops working; an expiry or scheduled date fails much sooner. DATETIME holds years 1000 to 9999. Unlike TIMESTAMP it stores the value as given, without converting from the session time zone to UTC: store UTC (set the session time_zone to '+00:00' or write UTC_TIMESTAMP()) to keep the same meaning.",
    bad: 'CREATE TABLE sessions (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  expires_at TIMESTAMP NOT NULL\n) ENGINE=InnoDB;',
    good: 'CREATE TABLE sessions (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  expires_at DATETIME NOT NULL\n) ENGINE=InnoDB;',
    fixable: false,
    notes:
      'Every TIMESTAMP column, whatever its name: an audit stamp (created_at DEFAULT CURRENT_TIMESTAMP) passes 2038 as surely as a date in the future, only later. Reported where the column is defined (CREATE TABLE, ALTER TABLE ADD / MODIFY / CHANGE), not when a later migration changes or drops it, nor in a rollback. No quick fix: DATETIME does no time-zone conversion, so the switch is right only where the application stores UTC, and changing the type of an existing column copies the table (see online-ddl-copy). MariaDB 11.5 and later extend TIMESTAMP to 2106 on 64-bit systems; MariaDB 10.x and MySQL 8 do not.',
  },
  textFilter: /\btimestamp\b/i,
  beforeStatement(ctx) {
    if (ctx.runner.down || ctx.stmt.templated) return;
    const tokens = tokensOf(ctx.stmt);
    const h = head(tokens);
    let table: { name: string; key: string } | undefined;
    const cols: ColumnDef[] = [];
    if (h.startsWith('CREATE TABLE')) {
      const t = readCreateTable(tokens);
      if (!t) return;
      table = t;
      cols.push(...t.columns);
    } else if (h.startsWith('ALTER TABLE')) {
      const a = readAlterTable(tokens);
      if (!a) return;
      table = a;
      for (const act of a.actions) { const c = alterColumn(tokens, act); if (c) cols.push(c.def); }
    } else return;
    for (const c of cols) {
      if (c.base !== 'timestamp' || superseded(ctx, table.key, c.name)) continue;
      const typeEnd = c.typeTo - 1;
      ctx.report({
        ...span(ctx.stmt, tokens as MyToken[], c.typeFrom, typeEnd),
        message: `${table.name}.${c.name} is TIMESTAMP: its range ends at 2038-01-19 03:14:07 UTC, after which ${isAuto(tokens, c) ? 'CURRENT_TIMESTAMP itself cannot be stored' : 'values are refused (or stored as zero)'}. Use DATETIME (no time-zone conversion: store UTC).`,
      });
    }
  },
};

function isAuto(tokens: MyToken[], c: ColumnDef): boolean {
  return tokens.slice(c.typeTo, c.to).some((t) => ['CURRENT_TIMESTAMP', 'NOW', 'LOCALTIMESTAMP'].includes(up(t)));
}
