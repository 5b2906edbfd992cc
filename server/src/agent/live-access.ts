// The agent's read-only view of a live database (LiveAccess): slow_queries and health over the same
// sessions `dbe slow` and `dbe health` use (live/connect.ts, live/mysql/connect.ts: read-only,
// statement timeout, one statement a query). Each call opens a session and closes it. The password
// rules are the CLI's and the editor's (passwordWithheld): a URL from .dbe.json or a workspace setting
// gets no password unless its host is confirmed. No password ever reaches a tool's text, summary or
// error: the session scrubs its errors, and every answer is scrubbed again here.
import type { Config } from '../config';
import { catalogFindings } from '../live/catalog-findings';
import { readCatalog } from '../live/catalog';
import { LiveError, LiveSession, parseDatabaseUrl, passwordWithheld, resolveDatabaseUrl, type ParsedUrl } from '../live/connect';
import { formatHealth, worst, type HealthCheck, type HealthReport } from '../live/health';
import { readMySqlCatalog } from '../live/mysql/catalog';
import { isMySqlUrl, MySqlSession, parseMySqlUrl } from '../live/mysql/connect';
import { formatMySqlHealth, mysqlServerChecks } from '../live/mysql/health';
import { topDigests } from '../live/mysql/slow';
import { serverChecks } from '../live/health';
import { judgeQueries, topStatements, type SlowQuery } from '../live/slow';
import { counted } from '../text';
import type { LiveAccess, ToolResult } from './tool';

export interface LiveTarget {
  /** postgres://, postgresql://, mysql:// or mariadb:// (a password in it is used, never shown). */
  url: string;
  /** Where the URL came from: "--database", "DBE_DATABASE_URL", '.dbe.json "database"', "dbEngineer.connection". */
  source: string;
  /** A password held in memory (the editor's SecretStorage). */
  password?: string;
  /** The user's confirmed hosts (dbEngineer.trustedDatabaseHosts). */
  trustedHosts?: readonly string[];
  /** `--trust-config-database`: a .dbe.json URL may get the password. */
  trustConfigDatabase?: boolean;
  statementTimeoutMs?: number;
  /** The project's configuration: rule severities for judging the slow statements. */
  config?: Config;
  /** PGPASSWORD, PGPASSFILE, MYSQL_PWD, HOME (tests). */
  env?: NodeJS.ProcessEnv;
}

/** The line a model and a user read when no database is configured for the CLI's agent. */
export const CLI_LIVE_OFF = 'no live database is configured: pass --database postgres://user@host:5432/dbname (or mysql://...) to dbe ask / dbe mcp, set DBE_DATABASE_URL, or set "database" in .dbe.json; the password comes from PGPASSWORD or ~/.pgpass (MYSQL_PWD or ~/.my.cnf), never from a file of the repository';

/**
 * The live access for the CLI (`dbe ask`, `dbe mcp`): the URL from --database, DBE_DATABASE_URL or
 * .dbe.json (as `dbe slow` picks it), else `liveOff` saying how to configure one.
 */
export function cliLiveAccess(o: { database?: string; config?: Config; trustConfigDatabase?: boolean; statementTimeoutMs?: number; env?: NodeJS.ProcessEnv }): { live?: LiveAccess; liveOff?: string } {
  let picked: { url: string; source: string } | undefined;
  try {
    picked = resolveDatabaseUrl({ flag: o.database, env: o.env ?? process.env, config: o.config?.database });
  } catch (e) {
    if (e instanceof LiveError) return { liveOff: scrubAll(e.message, secretsOf(o.database, undefined, o.env)) };
    throw e;
  }
  if (!picked) return { liveOff: CLI_LIVE_OFF };
  return { live: liveAccess({ ...picked, config: o.config, trustConfigDatabase: o.trustConfigDatabase, statementTimeoutMs: o.statementTimeoutMs, env: o.env }) };
}

/** Every form of every secret we know of for this target (the URL's password, the held one, the environment's). */
function secretsOf(url: string | undefined, password: string | undefined, env: NodeJS.ProcessEnv | undefined): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined) => {
    if (!s || s.length < 2) return;
    out.add(s);
    try { out.add(encodeURIComponent(s)); } catch { /* lone surrogate */ }
    try { out.add(decodeURIComponent(s)); } catch { /* not encoded */ }
  };
  add(password);
  const e = env ?? process.env;
  add(e.PGPASSWORD);
  add(e.MYSQL_PWD);
  if (url) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^@/]*)@/i.exec(url.trim());
    if (m) add(m[1]);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Removes the secrets, any user:password@ of a URL, and PASSWORD '...' literals (statement texts). */
export function scrubAll(text: string, secrets: readonly string[]): string {
  let t = text;
  for (const s of secrets) t = t.split(s).join('***');
  return t
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/(\bpassword\s*(?:=\s*)?)('(?:[^']|'')*'|"(?:[^"]|"")*")/gi, "$1'***'")
    .replace(/(\bidentified\s+(?:with\s+\S+\s+)?by\s+)('(?:[^']|'')*'|"(?:[^"]|"")*")/gi, "$1'***'");
}

/** The statements the query rules judge (pg_stat_statements keeps utility statements too). */
const QUERY_START = /^\(*\s*(select|with|insert|update|delete|merge|values|table)\b/i;
function withoutLeadingComments(q: string): string {
  let t = q.trimStart();
  for (;;) {
    if (t.startsWith('--')) { const i = t.indexOf('\n'); t = i < 0 ? '' : t.slice(i + 1).trimStart(); continue; }
    if (t.startsWith('/*')) { const i = t.indexOf('*/'); t = i < 0 ? '' : t.slice(i + 2).trimStart(); continue; }
    return t;
  }
}

type Session = { kind: 'pg'; s: LiveSession } | { kind: 'my'; s: MySqlSession };

export function liveAccess(t: LiveTarget): LiveAccess {
  const secrets = secretsOf(t.url, t.password, t.env);
  const deep = (v: unknown): unknown => typeof v === 'string' ? scrubAll(v, secrets)
    : Array.isArray(v) ? v.map(deep)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
    : v;
  const clean = (r: ToolResult): ToolResult => ({ ...r, text: scrubAll(r.text, secrets), summary: scrubAll(r.summary, secrets), ...(r.data !== undefined ? { data: deep(r.data) } : {}) });

  const open = async (notices: string[]): Promise<Session> => {
    const notice = (line: string) => { notices.push(line); };
    if (isMySqlUrl(t.url)) {
      const p = parseMySqlUrl(t.url, t.source);
      const withholdPassword = passwordWithheld(t.source, p, { trustConfigDatabase: t.trustConfigDatabase, trustedHosts: t.trustedHosts });
      return { kind: 'my', s: await MySqlSession.open({ url: t.url, source: t.source, password: t.password, statementTimeoutMs: t.statementTimeoutMs, env: t.env, withholdPassword, notice }) };
    }
    const p: ParsedUrl = parseDatabaseUrl(t.url, t.source);
    const withholdPassword = passwordWithheld(t.source, p, { trustConfigDatabase: t.trustConfigDatabase, trustedHosts: t.trustedHosts });
    return { kind: 'pg', s: await LiveSession.open({ url: t.url, source: t.source, password: t.password, statementTimeoutMs: t.statementTimeoutMs, env: t.env, withholdPassword, notice }) };
  };

  /** Opens a session, runs `fn`, closes it; a LiveError (or anything else) becomes an error answer. */
  const withSession = async (tool: string, fn: (s: Session) => Promise<ToolResult>): Promise<ToolResult> => {
    const notices: string[] = [];
    let session: Session | undefined;
    try {
      session = await open(notices);
      const r = await fn(session);
      return clean(notices.length ? { ...r, text: `${notices.map((n) => `Note: ${n}.`).join('\n')}\n\n${r.text}` } : r);
    } catch (e) {
      const msg = e instanceof LiveError ? e.message : `reading the database failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
      const notes = notices.length ? `\n${notices.map((n) => `Note: ${n}.`).join('\n')}` : '';
      return clean({ text: `${tool}: ${msg}${notes}`, summary: `${tool}: ${msg.length > 120 ? msg.slice(0, 117) + '...' : msg}`, isError: true });
    } finally {
      await session?.s.close();
    }
  };

  return {
    slowQueries: (limit) => withSession('slow_queries', async (session) => {
      const n = Math.max(1, Math.min(50, Math.floor(limit) || 10));
      let recorded = 0;
      let target: string, source: string, statements: (SlowQuery & { avgRowsExamined?: number; noIndexUsed?: number })[];
      if (session.kind === 'pg') {
        const s = session.s;
        const snapshot = await readCatalog(s);
        // utility statements (CREATE, ANALYZE ...) are tracked too and can fill the top: read more,
        // keep the queries (the rules judge those only)
        const top = await topStatements(s, Math.max(n * 4, 200), 'total');
        recorded = top.length;
        const queries = top.filter((q) => QUERY_START.test(withoutLeadingComments(q.query))).slice(0, n);
        statements = judgeQueries(snapshot, queries, t.config).filter((q) => q.skipped !== 'not a query (utility statement)');
        target = s.target;
        source = 'pg_stat_statements';
      } else {
        const s = session.s;
        const snapshot = await readMySqlCatalog(s);
        const top = await topDigests(s, n, 'total');
        recorded = top.length;
        const judged = judgeQueries(snapshot, top.map((q) => ({ queryid: q.queryid, query: q.query, calls: q.calls, meanMs: q.meanMs, totalMs: q.totalMs, rows: q.rows })), t.config);
        statements = top.map((q, i) => ({ ...q, findings: judged[i].findings, ...(judged[i].skipped ? { skipped: judged[i].skipped } : {}) }));
        target = s.target;
        source = 'performance_schema.events_statements_summary_by_digest';
      }
      if (!statements.length) {
        const text = recorded
          ? `${source} of ${target} records ${counted(recorded, 'statement')}, and none of the most time-consuming is a query (they are utility statements: CREATE, ALTER, ANALYZE...).`
          : `${source} of ${target} holds no statements yet (nothing has run since it was last reset).`;
        return { text, summary: `no slow queries recorded in ${target}`, data: { database: target, statements: [] } };
      }
      const lines = [`The ${counted(statements.length, 'statement')} of ${target} with the most total execution time (${source}; read-only), each judged against the live schema by DB Engineer's rules:`];
      statements.forEach((q, i) => {
        lines.push('', `${i + 1}. ${counted(q.calls, 'call')}, mean ${q.meanMs.toFixed(3)} ms, total ${q.totalMs.toFixed(1)} ms, ${counted(q.rows, 'row')}${q.avgRowsExamined !== undefined ? `, ${q.avgRowsExamined.toFixed(0)} rows examined a call` : ''}${q.noIndexUsed ? `, ${counted(q.noIndexUsed, 'call')} used no index` : ''}`);
        const text = q.query.replace(/\s+/g, ' ').trim();
        lines.push('```sql', text.length > 1000 ? text.slice(0, 997) + '...' : text, '```');
        if (q.skipped) lines.push(`not judged: ${q.skipped}`);
        else if (!q.findings.length) lines.push('no findings');
        for (const f of q.findings) lines.push(`- ${f.severity} ${f.rule}: ${f.message}`);
      });
      const flagged = statements.filter((q) => q.findings.length).length;
      return {
        text: lines.join('\n'),
        summary: `read the ${counted(statements.length, 'slowest statement')} of ${target}: ${flagged} with findings`,
        data: { database: target, statements },
      };
    }),

    health: () => withSession('health', async (session) => {
      let report: HealthReport, text: string;
      if (session.kind === 'pg') {
        const s = session.s;
        const snapshot = await readCatalog(s);
        const checks: HealthCheck[] = await serverChecks(s);
        checks.push(catalogFindings(snapshot, t.config));
        report = { version: 1, database: s.target, serverVersion: s.serverVersion, checks, verdict: worst(checks.map((c) => c.verdict)) };
        text = formatHealth(report);
      } else {
        const s = session.s;
        const checks = await mysqlServerChecks(s);
        const r = { version: 1 as const, database: s.target, serverVersion: s.serverVersion, product: s.product, dialect: s.flavor, checks, verdict: worst(checks.map((c) => c.verdict)) };
        report = r;
        text = formatMySqlHealth(r);
      }
      const bad = report.checks.filter((c) => c.verdict === 'warning' || c.verdict === 'critical');
      return {
        text: `Read-only health checks of ${report.database}:\n${text.replace(/^dbe health: /, '')}`,
        summary: `checked the health of ${report.database}: ${report.verdict.toUpperCase()}${bad.length ? ` (${bad.map((c) => `${c.id} ${c.verdict}`).join(', ')})` : ''}`,
        data: report,
      };
    }),
  };
}
