// `dbe slow`, `dbe health` and `dbe explain --database` for a mysql:// or mariadb:// URL: the same
// commands, the same output shapes, over a read-only MySQL/MariaDB session (live/mysql/*).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lex } from '../dialects/mysql/lex';
import { splitMySql } from '../dialects/mysql/split';
import { LiveError, passwordWithheld } from '../live/connect';
import { PRINCIPLE, worst, type HealthReport } from '../live/health';
import { MySqlSession, parseMySqlUrl } from '../live/mysql/connect';
import { explainMySql, formatMyPlan } from '../live/mysql/explain';
import { formatMySqlHealth, mysqlServerChecks } from '../live/mysql/health';
import { topDigests } from '../live/mysql/slow';
import { counted } from '../text';
import type { ExplainOptions } from './args';
import { InputError } from './collect';
import type { Io } from './lint-command';
import type { HealthOptions, LiveCliOptions, SlowOptions } from './live-command';

/** Opens a read-only MySQL/MariaDB session for the URL the options picked; errors become input errors (exit 2). */
async function openMySql(picked: { url: string; source: string }, o: LiveCliOptions, io: Io): Promise<MySqlSession> {
  try {
    const withholdPassword = passwordWithheld(picked.source, parseMySqlUrl(picked.url, picked.source), { trustConfigDatabase: o.trustConfigDatabase });
    const s = await MySqlSession.open({ url: picked.url, source: picked.source, statementTimeoutMs: o.statementTimeoutMs, withholdPassword, notice: (line) => io.err(`dbe: ${line}\n`) });
    io.err(`dbe: connected to ${s.target} (${s.transport})\n`);
    return s;
  } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  }
}

async function withMySql<T>(picked: { url: string; source: string }, o: LiveCliOptions, io: Io, fn: (s: MySqlSession) => Promise<T>): Promise<T> {
  const s = await openMySql(picked, o, io);
  try {
    return await fn(s);
  } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  } finally {
    await s.close();
  }
}

/** `dbe slow` on MySQL/MariaDB: the top statement digests of performance_schema. */
export async function mysqlSlow(picked: { url: string; source: string }, o: SlowOptions, io: Io): Promise<number> {
  const { target, top } = await withMySql(picked, o, io, async (s) => ({ target: s.target, top: await topDigests(s, o.limit, o.order) }));
  // the rules do not read MySQL statements from here yet: said on every statement, never an empty "no findings"
  const skipped = 'not judged: the rules are not run on MySQL statements from performance_schema yet';
  const statements = top.map((q) => ({ ...q, findings: [], skipped }));
  if (o.format === 'json') {
    io.out(JSON.stringify({ version: 1, database: target, order: o.order, limit: o.limit, statements }) + '\n');
    return 0;
  }
  if (!statements.length) { io.out(`dbe slow: performance_schema of ${target} holds no statements of this database yet\n`); return 0; }
  const lines = [`dbe slow: the ${statements.length} statement${statements.length === 1 ? '' : 's'} of ${target} with the most ${o.order === 'mean' ? 'mean' : 'total'} execution time (performance_schema.events_statements_summary_by_digest); ${skipped}`];
  statements.forEach((q, i) => {
    lines.push('', `${i + 1}. ${counted(q.calls, 'call')}, mean ${q.meanMs.toFixed(3)} ms, total ${q.totalMs.toFixed(1)} ms, ${counted(q.rows, 'row')} sent, ${q.avgRowsExamined.toFixed(0)} rows examined a call`);
    const text = q.query.replace(/\s+/g, ' ').trim();
    lines.push(`   ${text.length > 240 ? text.slice(0, 237) + '...' : text}`);
    if (q.noIndexUsed) lines.push(`   ${counted(q.noIndexUsed, 'call')} used no index`);
  });
  io.out(lines.join('\n') + '\n');
  return 0;
}

/** `dbe health` on MySQL/MariaDB; exit 1 when a check is CRITICAL. */
export async function mysqlHealth(picked: { url: string; source: string }, o: HealthOptions, io: Io): Promise<number> {
  const report = await withMySql(picked, o, io, async (s): Promise<HealthReport & { product: string; dialect: string }> => {
    const checks = await mysqlServerChecks(s);
    return { version: 1, database: s.target, serverVersion: s.serverVersion, product: s.product, dialect: s.flavor, checks, verdict: worst(checks.map((c) => c.verdict)) };
  });
  io.out(o.format === 'json' ? JSON.stringify({ ...report, principle: PRINCIPLE }) + '\n' : formatMySqlHealth(report));
  return report.verdict === 'critical' ? 1 : 0;
}

/** `dbe explain <file> --line N --database mysql://...`: the server's plan of the statement on that line. */
export async function mysqlExplain(picked: { url: string; source: string }, o: ExplainOptions, io: Io): Promise<number> {
  const file = path.resolve(io.cwd, o.file);
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new InputError(`no such file: ${o.file}`); }
  const shown = path.relative(io.cwd, file) || path.basename(file);
  const split = splitMySql(text);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  if (o.line > lineStarts.length) throw new InputError(`${shown} has ${lineStarts.length} lines; there is no line ${o.line}`);
  const lineOf = (off: number) => { let lo = 0, hi = lineStarts.length - 1; while (lo < hi) { const m = (lo + hi + 1) >> 1; if (lineStarts[m] <= off) lo = m; else hi = m - 1; } return lo; };
  // a statement spans from its first token (comments before it are not part of it) to its end
  const firstToken = (s: { text: string }) => lex(s.text).tokens[0]?.start;
  const stmt = split.statements.find((s) => {
    const lead = firstToken(s);
    if (lead === undefined) return false;
    return lineOf(s.start + lead) <= o.line - 1 && o.line - 1 <= lineOf(Math.max(s.start, s.end - 1));
  });
  if (!stmt) throw new InputError(`${shown}:${o.line}: no statement on this line`);
  const startLine = lineOf(stmt.start + firstToken(stmt)!) + 1;
  return withMySql(picked, o, io, async (s) => {
    const out = await explainMySql(s, stmt.text, { analyze: !!o.analyze });
    if (!out.ok) {
      const msg = `${out.error.message}${out.error.code ? ` (${out.error.code})` : ''}`;
      if (o.format === 'json') io.out(JSON.stringify({ version: 1, path: shown, line: startLine, database: s.target, error: { message: msg } }) + '\n');
      else io.out(`${shown}:${startLine}: error server-error ${msg} (from ${s.target})\n`);
      return 1;
    }
    const v = out.value;
    if (o.format === 'json') {
      io.out(JSON.stringify({ version: 1, path: shown, line: startLine, database: s.target, dialect: s.flavor, analyzed: v.analyzed,
        fullScans: v.rows.filter((r) => r.accessType === 'ALL').map((r) => r.table), plan: v.rows, ...(v.tree !== undefined ? { tree: v.tree } : {}), mysql: v.raw }) + '\n');
    } else {
      io.out(`${shown}:${startLine}: ${v.analyzed ? `${s.flavor === 'mariadb' ? 'ANALYZE' : 'EXPLAIN ANALYZE'} (run in a read-only transaction, rolled back)` : 'plan'} from ${s.target} (${s.product}); rows are the server's estimates from its statistics\n`);
      if (v.tree !== undefined) io.out(v.tree.replace(/\n?$/, '\n'));
      else io.out(v.rows.length ? formatMyPlan(v.rows) : '  no table is read\n');
    }
    return 0;
  });
}
