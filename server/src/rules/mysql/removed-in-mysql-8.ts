import type { Fix } from '../../model';
import type { MyToken } from '../../dialects/mysql/lex';
import type { Rule } from '../types';
import { head, span, tokensOf, up } from './read';

/**
 * What MySQL 8.0 removed ("Features Removed in MySQL 8.0", https://dev.mysql.com/doc/refman/8.0/en/mysql-nutshell.html),
 * and whether MariaDB lacks it too (checked on MariaDB 10.11: `mariadbd --verbose --help` and its documentation).
 */
interface Removed { what: string; mariadb: boolean; rename?: string }

const QC = 'the query cache was removed in MySQL 8.0.3: reading or setting it fails with "Unknown system variable"';
const VARIABLES: Record<string, Removed> = {
  query_cache_size: { what: QC, mariadb: false },
  query_cache_type: { what: QC, mariadb: false },
  query_cache_limit: { what: QC, mariadb: false },
  query_cache_min_res_unit: { what: QC, mariadb: false },
  query_cache_wlock_invalidate: { what: QC, mariadb: false },
  innodb_file_format: { what: 'removed in MySQL 8.0 and MariaDB 10.3 (the Barracuda format and large index prefixes are always on)', mariadb: true },
  innodb_file_format_check: { what: 'removed in MySQL 8.0 and MariaDB 10.3', mariadb: true },
  innodb_file_format_max: { what: 'removed in MySQL 8.0 and MariaDB 10.3', mariadb: true },
  innodb_large_prefix: { what: 'removed in MySQL 8.0 and MariaDB 10.3 (large index prefixes are always on)', mariadb: true },
  tx_isolation: { what: 'removed in MySQL 8.0.3: use transaction_isolation', mariadb: false, rename: 'transaction_isolation' },
  tx_read_only: { what: 'removed in MySQL 8.0.3: use transaction_read_only', mariadb: false, rename: 'transaction_read_only' },
  old_passwords: { what: 'removed in MySQL 8.0.11', mariadb: false },
};

const FUNCTIONS: Record<string, string> = {
  PASSWORD: 'removed in MySQL 8.0.11 (hash passwords in the application, or let CREATE USER / ALTER USER do it)',
  ENCRYPT: 'removed in MySQL 8.0.3 (use SHA2() for hashing)',
  DES_ENCRYPT: 'removed in MySQL 8.0.3 (use AES_ENCRYPT())',
  DES_DECRYPT: 'removed in MySQL 8.0.3 (use AES_DECRYPT())',
  ENCODE: 'removed in MySQL 8.0.3 (use AES_ENCRYPT())',
  DECODE: 'removed in MySQL 8.0.3 (use AES_DECRYPT())',
};
/** Spatial functions without the ST_ prefix: removed in MySQL 8.0 (MariaDB keeps them). */
const SPATIAL = new Set(['GEOMFROMTEXT', 'GEOMETRYFROMTEXT', 'POINTFROMTEXT', 'LINEFROMTEXT', 'LINESTRINGFROMTEXT', 'POLYFROMTEXT', 'POLYGONFROMTEXT',
  'MPOINTFROMTEXT', 'MLINEFROMTEXT', 'MPOLYFROMTEXT', 'GEOMCOLLFROMTEXT', 'GEOMFROMWKB', 'GEOMETRYFROMWKB', 'POINTFROMWKB', 'ASTEXT', 'ASWKT', 'ASBINARY', 'ASWKB', 'GLENGTH']);
const IS_VIEWS = new Set(['GLOBAL_STATUS', 'GLOBAL_VARIABLES', 'SESSION_STATUS', 'SESSION_VARIABLES', 'INNODB_LOCKS', 'INNODB_LOCK_WAITS']);

const isOp = (t: MyToken | undefined, v: string) => t?.kind === 'op' && t.value === v;
/** A variable's bare name: @@global.query_cache_size -> query_cache_size. */
function varName(t: MyToken): string {
  return t.value.replace(/^@@/, '').replace(/^(global|session|local|persist|persist_only)\./i, '').replace(/`/g, '').toLowerCase();
}

export const rule: Rule = {
  meta: {
    id: 'removed-in-mysql-8',
    dialects: ['mysql'],
    title: 'Syntax MySQL 8.0 removed (query cache, PASSWORD(), GROUP BY ... DESC, ...)',
    category: 'general',
    severity: 'warning',
    principle: "Performance Tuning / MySQL Optimization: the persona's own MySQL tuning example sets query_cache_size and query_cache_type, which MySQL 8 refuses; tuning advice must hold for the server it runs on.",
    rationale:
      'MySQL 8.0 removed features 5.7 had, and a statement that uses one fails on MySQL 8 (an unknown variable, an unknown function, a syntax error): a migration or setup script written for 5.7 stops halfway on an upgraded server. The query cache is the best known: it serialised every write on a global mutex and was removed, so its settings now fail; buffer pool size is what to tune instead.',
    bad: "SET GLOBAL query_cache_size = 268435456;\nSET GLOBAL query_cache_type = 1;\nSET SESSION tx_isolation = 'READ-COMMITTED';",
    good: "SET GLOBAL innodb_buffer_pool_size = 8589934592;\nSET SESSION transaction_isolation = 'READ-COMMITTED';",
    fixable: true,
    notes:
      'Reported: the query cache variables (query_cache_size, query_cache_type, query_cache_limit, query_cache_min_res_unit, query_cache_wlock_invalidate), SQL_CACHE (removed) and SQL_NO_CACHE (accepted but without effect, deprecated), FLUSH / RESET QUERY CACHE; innodb_file_format(_check/_max) and innodb_large_prefix; tx_isolation and tx_read_only (renamed transaction_isolation / transaction_read_only: quick fix); old_passwords; NO_AUTO_CREATE_USER in sql_mode (common in mysqldump output: MySQL 8 refuses the whole SET); GRANT ... IDENTIFIED BY (create the user with CREATE USER first); ASC / DESC after GROUP BY (add an ORDER BY); the functions PASSWORD(), ENCRYPT(), DES_ENCRYPT(), DES_DECRYPT(), ENCODE(), DECODE() and the spatial functions without the ST_ prefix (GeomFromText(), AsText(), ...); PROCEDURE ANALYSE(); \\N as NULL; INFORMATION_SCHEMA.GLOBAL_STATUS / GLOBAL_VARIABLES / SESSION_STATUS / SESSION_VARIABLES / INNODB_LOCKS / INNODB_LOCK_WAITS (moved to performance_schema). Source: "Features Removed in MySQL 8.0" (https://dev.mysql.com/doc/refman/8.0/en/mysql-nutshell.html). A file read as MariaDB (dialect "mariadb") gets only what MariaDB 10.11 lacks too (innodb_file_format, innodb_large_prefix): MariaDB keeps the query cache, PASSWORD() and the others.',
  },
  textFilter: /query_cache|sql_(?:no_)?cache|query\s+cache|innodb_file_format|innodb_large_prefix|tx_isolation|tx_read_only|old_passwords|no_auto_create_user|identified|group\s+by|password|encrypt|encode|decode|fromtext|fromwkb|astext|aswkt|asbinary|aswkb|glength|analyse|\\N|global_|session_|innodb_lock/i,
  beforeStatement(ctx) {
    if (ctx.stmt.templated) return;
    const mariadb = ctx.file.dialect.id === 'mariadb';
    const tokens = tokensOf(ctx.stmt);
    const h = head(tokens);
    const report = (a: number, b: number, message: string, fixes?: Fix[]) => ctx.report({ ...span(ctx.stmt, tokens, a, b), message, fixes });
    const isSet = h.startsWith('SET');
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      // system variables: SET [GLOBAL] x = ..., @@x
      if (t.kind === 'variable' || (t.kind === 'word' && isSet)) {
        const name = t.kind === 'variable' ? varName(t) : t.value.toLowerCase();
        const r = VARIABLES[name];
        if (r && (t.kind === 'variable' ? t.value.startsWith('@@') : !isOp(tokens[i - 1], '.')) && (!mariadb || r.mariadb)) {
          const fixes = r.rename && t.kind === 'word' ? [{ title: `Use ${r.rename}`, edits: [{ path: ctx.stmt.file.path, ...span(ctx.stmt, tokens, i), newText: r.rename }] }] : undefined;
          report(i, i, `${name}: ${r.what}.`, fixes);
          continue;
        }
      }
      if (mariadb) continue;
      if (t.kind === 'string' && /\bNO_AUTO_CREATE_USER\b/i.test(t.value) && tokens.slice(Math.max(0, i - 4), i).some((x) => up(x) === 'SQL_MODE' || (x.kind === 'variable' && /sql_mode$/i.test(x.value)))) {
        report(i, i, 'sql_mode NO_AUTO_CREATE_USER was removed in MySQL 8.0.11: MySQL 8 refuses the whole SET ("Variable \'sql_mode\' can\'t be set to the value of \'NO_AUTO_CREATE_USER\'"); drop it from the list.');
        continue;
      }
      if (t.kind !== 'word' && !(t.kind === 'op' && t.value === '\\')) continue;
      const u = t.upper;
      if (u === 'SQL_CACHE' || u === 'SQL_NO_CACHE') {
        const fixes = [{ title: `Remove ${t.value}`, edits: [{ path: ctx.stmt.file.path, start: ctx.stmt.start + t.start, end: ctx.stmt.start + (tokens[i + 1]?.start ?? t.end), newText: '' }] }];
        report(i, i, u === 'SQL_CACHE'
          ? 'SQL_CACHE was removed with the query cache in MySQL 8.0.3: MySQL 8 refuses the query.'
          : 'SQL_NO_CACHE has no effect since the query cache was removed in MySQL 8.0.3 (it is deprecated and will be refused).', fixes);
      } else if ((u === 'FLUSH' || u === 'RESET') && up(tokens[i + 1]) === 'QUERY' && up(tokens[i + 2]) === 'CACHE') {
        report(i, i + 2, `${u} QUERY CACHE: ${QC.replace(': reading or setting it fails with "Unknown system variable"', '')}, and the statement is refused.`);
      } else if (u === 'GRANT' && i === 0) {
        const k = tokens.findIndex((x, j) => j > i && up(x) === 'IDENTIFIED' && up(tokens[j + 1]) === 'BY');
        if (k > 0) report(k, k + 1, 'GRANT ... IDENTIFIED BY was removed in MySQL 8.0.11 (GRANT no longer creates users or sets passwords): CREATE USER ... IDENTIFIED BY first, then GRANT.');
      } else if (u === 'GROUP' && up(tokens[i + 1]) === 'BY') {
        const k = groupByOrder(tokens, i + 2);
        if (k >= 0) report(k, k, `${tokens[k].upper} after GROUP BY was removed in MySQL 8.0.13: MySQL 8 refuses it; write ORDER BY ... ${tokens[k].upper} for the order.`);
      } else if (isOp(tokens[i + 1], '(') && !isOp(tokens[i - 1], '.') && up(tokens[i - 1]) !== 'FUNCTION' && up(tokens[i - 1]) !== 'PROCEDURE') {
        if (FUNCTIONS[u]) report(i, i, `${t.value}() was ${FUNCTIONS[u]}.`);
        else if (SPATIAL.has(u)) report(i, i, `${t.value}() was removed in MySQL 8.0: use ST_${t.value}().`);
        else if (u === 'ANALYSE' && up(tokens[i - 1]) === 'PROCEDURE') report(i - 1, i, 'PROCEDURE ANALYSE() was removed in MySQL 8.0.1.');
      } else if (u === 'ANALYSE' && up(tokens[i - 1]) === 'PROCEDURE' && isOp(tokens[i + 1], '(')) {
        report(i - 1, i, 'PROCEDURE ANALYSE() was removed in MySQL 8.0.1.');
      } else if (t.kind === 'op' && tokens[i + 1]?.kind === 'word' && tokens[i + 1].value === 'N' && tokens[i + 1].start === t.end) {
        report(i, i + 1, '\\N as a synonym for NULL was removed in MySQL 8.0: write NULL.');
      } else if (IS_VIEWS.has(u) && isOp(tokens[i - 1], '.') && up(tokens[i - 2]) === 'INFORMATION_SCHEMA') {
        report(i - 2, i, `INFORMATION_SCHEMA.${u} was removed in MySQL 8.0: read performance_schema.${u.startsWith('INNODB') ? (u === 'INNODB_LOCKS' ? 'data_locks' : 'data_lock_waits') : u.toLowerCase()}.`);
      }
    }
  },
};

/** The first ASC/DESC directly in the GROUP BY list starting at `from` (same parenthesis depth), or -1. */
function groupByOrder(tokens: MyToken[], from: number): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'op') {
      if (t.value === '(') depth++;
      else if (t.value === ')') { if (--depth < 0) return -1; }
      else if (t.value === ';') return -1;
      continue;
    }
    if (depth > 0 || t.kind !== 'word') continue;
    if (['HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTO', 'FOR', 'LOCK', 'EXCEPT', 'INTERSECT', 'PROCEDURE', 'ON', 'END'].includes(t.upper)) return -1;
    if (t.upper === 'WITH' && up(tokens[i + 1]) === 'ROLLUP') return -1;
    if (t.upper === 'ASC' || t.upper === 'DESC') return i;
  }
  return -1;
}
