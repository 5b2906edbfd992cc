// The live database from the command line: `dbe lint --database URL` (the catalog is the schema of
// projects without migrations), `dbe explain ... --database URL [--analyze]`, `dbe slow` and
// `dbe health`. Every session is read-only with a statement timeout (live/connect.ts).
import type { DialectId } from '../dialects/types';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, findConfigFile, loadConfigFile, type Config } from '../config';
import { KNOWN_RULE_IDS } from '../rules';
import { Project } from '../engine/project';
import { rangeOf, toJsonReport } from '../engine/output';
import { catalogFile, hasMigrations, readCatalog, type CatalogSnapshot } from '../live/catalog';
import { LiveError, LiveSession, parseDatabaseUrl, passwordWithheld, redactUrl, resolveDatabaseUrl } from '../live/connect';
import { isMySqlUrl } from '../live/mysql/connect';
import { actuals, explainLive } from '../live/explain';
import { formatHealth, PRINCIPLE, serverChecks, worst, type HealthReport } from '../live/health';
import { catalogFindings } from '../live/catalog-findings';
import { judgeQueries, topStatements, type SlowOrder } from '../live/slow';
import type { Finding, Statement } from '../model';
import { formatPlan, walkPlan } from '../sandbox/plan';
import { initParser } from '../sql/parse';
import type { ExplainOptions, LintOptions } from './args';
import { collectProjects, InputError, relTo, type ProjectSpec } from './collect';
import { finish, type Io } from './lint-command';
import type { FileReport } from './lint-project';
import { addNamedSource, addProjectFiles } from './lint-project';
import { counted } from '../text';

export interface LiveCliOptions { database?: string; statementTimeoutMs?: number; trustConfigDatabase?: boolean }
export interface SlowOptions extends LiveCliOptions { limit: number; order: SlowOrder; format: 'text' | 'json'; config?: string }
export interface HealthOptions extends LiveCliOptions { format: 'text' | 'json'; config?: string }

/** Opens the session the options, DBE_DATABASE_URL or .dbe.json name; a clear error when none does. */
export async function openSession(o: LiveCliOptions, config: Config | undefined, io: Io): Promise<LiveSession> {
  let picked: { url: string; source: string } | undefined;
  try {
    picked = resolveDatabaseUrl({ flag: o.database, config: config?.database });
  } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  }
  if (!picked) throw new InputError('no database to connect to: pass --database postgres://user@host:5432/dbname, set DBE_DATABASE_URL, or "database" in .dbe.json');
  if (picked.source === '--database' && /^[^:]+:\/\/[^/@]*:[^@/]*@/.test(picked.url)) {
    io.err(`dbe: the URL on the command line holds a password (${redactUrl(picked.url)}); others can read it in the process list: use PGPASSWORD or ~/.pgpass\n`);
  }
  try {
    const withholdPassword = passwordWithheld(picked.source, parseDatabaseUrl(picked.url, picked.source), { trustConfigDatabase: o.trustConfigDatabase });
    const s = await LiveSession.open({
      url: picked.url, source: picked.source, statementTimeoutMs: o.statementTimeoutMs, withholdPassword,
      notice: (line) => io.err(`dbe: ${line}\n`),
    });
    io.err(`dbe: connected to ${s.target} (${s.transport})\n`);
    return s;
  } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  }
}

/** The URL the options pick when it names a MySQL/MariaDB server (mysql://, mariadb://), else undefined. */
function mysqlPicked(o: LiveCliOptions, config: Config | undefined, io: Io): { url: string; source: string } | undefined {
  let picked: { url: string; source: string } | undefined;
  try { picked = resolveDatabaseUrl({ flag: o.database, config: config?.database }); } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  }
  if (!picked || !isMySqlUrl(picked.url)) return undefined;
  if (picked.source === '--database' && /^[^:]+:\/\/[^/@]*:[^@/]*@/.test(picked.url)) {
    io.err(`dbe: the URL on the command line holds a password (${redactUrl(picked.url)}); others can read it in the process list: use MYSQL_PWD or ~/.my.cnf\n`);
  }
  return picked;
}

/** Runs `fn` with a session; LiveErrors become input errors (exit 2, one line). */
async function withSession<T>(o: LiveCliOptions, config: Config | undefined, io: Io, fn: (s: LiveSession) => Promise<T>): Promise<T> {
  const s = await openSession(o, config, io);
  try {
    return await fn(s);
  } catch (e) {
    if (e instanceof LiveError) throw new InputError(e.message);
    throw e;
  } finally {
    await s.close();
  }
}

function projectOf(spec: ProjectSpec): Project {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  addProjectFiles(project, spec);
  return project;
}

/** `dbe lint --database URL`: projects without migrations are judged against the live catalog. */
export async function liveLint(o: LintOptions, io: Io): Promise<number> {
  if (o.fix) throw new InputError('--fix cannot be combined with --database (a fix would be written against the live schema, not your migrations)');
  const specs = collectProjects(o.paths, o.config, io.cwd);
  await initParser();
  const config = specs[0]?.config;
  const my = mysqlPicked(o, config, io);
  // a MySQL / MariaDB catalog (SHOW CREATE TABLE text) is read by the MySQL front end, and so are the
  // project's files unless the project names its dialect
  const snapshot = my ? await (await import('./live-mysql-command')).mysqlCatalog(my, o, io) : await withSession(o, config, io, (s) => readCatalog(s));
  if (my && 'dialect' in snapshot) for (const spec of specs) if (!spec.config.dialect) spec.config = { ...spec.config, dialect: snapshot.dialect as DialectId, dialectSource: 'the live database' };
  const files: FileReport[] = [];
  const internal: string[] = [];
  let fromCatalog = 0;
  const aboutCatalog: Finding[] = [];
  for (const spec of specs) {
    const project = projectOf(spec);
    if (!hasMigrations(project)) { project.setBase(catalogFile(snapshot)); fromCatalog++; }
    else io.err(`dbe: ${relTo(io.cwd, spec.root) || '.'} has migrations: its schema comes from them, not from the database\n`);
    const results = project.analyze();
    aboutCatalog.push(...project.baseFindings);
    const report = toJsonReport(project, results, (p) => path.relative(io.cwd, p) || p);
    let i = 0;
    for (const p of results.keys()) files.push({ path: p, diagnostics: report.files[i++].diagnostics });
    for (const e of project.internalErrors) internal.push(`internal error in rule ${e.rule}: ${e.message.split('\n')[0]}`);
  }
  if (fromCatalog && o.format === 'text') {
    const c = snapshot.counts;
    io.err(`dbe: schema from ${snapshot.source} (${counted(c.tables, 'table')}, ${counted(c.views, 'view')}, ${counted(c.indexes, 'index', 'indexes')})`
      + (aboutCatalog.length ? `; ${counted(aboutCatalog.length, 'finding')} about the database's own objects (${[...new Set(aboutCatalog.map((f) => f.rule))].join(', ')}) ${aboutCatalog.length === 1 ? 'is' : 'are'} in dbe health` : '') + '\n');
  }
  return finish(o, io, [{ files, internalErrors: internal, fixesApplied: 0, filesFixed: 0 }], files);
}

function statementAtLine(project: Project, file: string, line: number): Statement | undefined {
  const f = project.getFile(file)!;
  return f.statements.find((s) => {
    const a = f.lines.position(s.start).line, b = f.lines.position(Math.max(s.start, s.end - 1)).line;
    return a <= line && line <= b && s.text.trim() !== '';
  });
}

const QUERY_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** `dbe explain <file> --line N --database URL [--analyze]`: the real server's plan. */
export async function liveExplain(o: ExplainOptions, io: Io): Promise<number> {
  await initParser();
  const file = path.resolve(io.cwd, o.file);
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { throw new InputError(`no such file: ${o.file}`); }
  if (!st.isFile()) throw new InputError(`not a file: ${o.file}`);
  const root = path.resolve(io.cwd, o.project ?? '.');
  const [spec] = collectProjects([fs.existsSync(root) && fs.statSync(root).isDirectory() ? root : path.dirname(file)], o.config, io.cwd);
  const my = mysqlPicked(o, spec.config, io);
  if (my) return (await import('./live-mysql-command')).mysqlExplain(my, o, io);
  const project = new Project(spec.config);
  const shown = path.relative(io.cwd, file) || path.basename(file);
  addNamedSource(project, file, shown, spec.config.maxFileBytes);
  const src = project.getFile(file)!;
  if (o.line > src.lines.lineCount) throw new InputError(`${shown} has ${src.lines.lineCount} lines; there is no line ${o.line}`);
  const stmt = statementAtLine(project, file, o.line - 1);
  if (!stmt) throw new InputError(`${shown}:${o.line}: no statement on this line`);
  if (stmt.parsed.error) throw new InputError(`${shown}:${o.line}: the statement does not parse: ${stmt.parsed.error.message}`);
  if (stmt.templated) throw new InputError(`${shown}:${o.line}: the statement is templated; it cannot be explained`);
  const isQuery = !!stmt.kind && QUERY_KINDS.has(stmt.kind) && !(stmt.kind === 'SelectStmt' && stmt.node?.intoClause);
  if (!isQuery || stmt.parsed.extra) {
    const head = stmt.text.trim().split(/\s+/).slice(0, 2).join(' ').replace(/;$/, '').toUpperCase();
    throw new InputError(`${shown}:${o.line}: this is ${stmt.parsed.extra ? 'more than one statement' : `a ${head} statement`}, not a query (explain takes SELECT, INSERT, UPDATE, DELETE, MERGE or WITH)`);
  }
  const startLine = src.lines.position(stmt.start).line + 1;
  const params = JSON.stringify(stmt.node).includes('"ParamRef"');
  return withSession(o, spec.config, io, async (s) => {
    const out = await explainLive(s, stmt.text, { params, analyze: !!o.analyze, stmt });
    if (!out.ok) {
      const lead = stmt.text.length - stmt.text.trimStart().length;
      const at = out.error.position !== undefined ? stmt.start + lead + Math.max(0, out.error.position - 1 - out.prefix) : stmt.start;
      const r = rangeOf(project, file, at, at);
      const msg = `${out.error.message}${out.error.code ? ` (SQLSTATE ${out.error.code})` : ''}`;
      if (o.format === 'json') io.out(JSON.stringify({ version: 1, path: shown, line: startLine, database: s.target, error: { message: msg, range: r } }) + '\n');
      else io.out(`${shown}:${r.start.line + 1}:${r.start.character + 1}: error postgres-error ${msg} (from ${s.target})\n`);
      return 1;
    }
    const v = out.value;
    if (o.format === 'json') {
      io.out(JSON.stringify({
        version: 1, path: shown, line: startLine, range: rangeOf(project, file, stmt.start, stmt.end), database: s.target,
        generic: v.generic, analyzed: v.analyzed, ...(v.executionMs !== undefined ? { executionMs: v.executionMs } : {}),
        seqScans: [...walkPlan(v.plan)].filter((n) => n.seqScan).map((n) => n.relation ?? ''),
        plan: v.plan, postgres: v.raw,
      }) + '\n');
    } else {
      io.out(`${shown}:${startLine}: ${v.analyzed ? 'EXPLAIN ANALYZE (run in a read-only transaction, rolled back)' : v.generic ? 'generic plan (the query has parameters)' : 'plan'} from ${s.target}; rows and costs are the server's estimates from its statistics\n`);
      io.out(formatPlan(v.plan));
      if (v.analyzed) {
        io.out('actual:\n' + actuals(v.raw).map((l) => '  ' + l).join('\n') + '\n');
        if (v.executionMs !== undefined) io.out(`execution time: ${v.executionMs.toFixed(3)} ms\n`);
      }
    }
    return 0;
  });
}

/** The configuration `--config` names, else the nearest .dbe.json above the current directory. */
function configFromCwd(config: string | undefined, io: Io): Config | undefined {
  const file = config ? path.resolve(io.cwd, config) : findConfigFile(io.cwd);
  if (!file) return undefined;
  if (!fs.existsSync(file)) throw new InputError(`config file not found: ${config}`);
  try { return loadConfigFile(file, KNOWN_RULE_IDS); } catch (e) {
    if (e instanceof ConfigError) throw new InputError(e.message);
    throw e;
  }
}

/** `dbe slow`: the top statements of pg_stat_statements, each through the query rules and the advisor. */
export async function slowCommand(o: SlowOptions, io: Io): Promise<number> {
  await initParser();
  const config = configFromCwd(o.config, io);
  const my = mysqlPicked(o, config, io);
  if (my) return (await import('./live-mysql-command')).mysqlSlow(my, o, io, config);
  // utility statements (ANALYZE, CREATE ...) are tracked too: read more, keep the queries
  const { snapshot, top } = await withSession(o, config, io, async (s) => ({ snapshot: await readCatalog(s), top: await topStatements(s, o.limit * 4, o.order) }));
  const all = judgeQueries(snapshot, top, config);
  const judged = all.filter((q) => q.skipped !== 'not a query (utility statement)').slice(0, o.limit);
  const db = snapshot.source.replace(/^database:\/\//, '');
  if (o.format === 'json') {
    io.out(JSON.stringify({ version: 1, database: db, order: o.order, limit: o.limit, statements: judged }) + '\n');
    return 0;
  }
  if (!judged.length) { io.out(`dbe slow: pg_stat_statements of ${db} holds no statements yet\n`); return 0; }
  const lines = [`dbe slow: the ${judged.length} statement${judged.length === 1 ? '' : 's'} of ${db} with the most ${o.order === 'mean' ? 'mean' : 'total'} execution time (pg_stat_statements), judged against the live schema`];
  judged.forEach((q, i) => {
    lines.push('', `${i + 1}. ${counted(q.calls, 'call')}, mean ${q.meanMs.toFixed(3)} ms, total ${q.totalMs.toFixed(1)} ms, ${counted(q.rows, 'row')}`);
    const text = q.query.replace(/\s+/g, ' ').trim();
    lines.push(`   ${text.length > 240 ? text.slice(0, 237) + '...' : text}`);
    if (q.skipped) lines.push(`   (not judged: ${q.skipped})`);
    else if (!q.findings.length) lines.push('   no findings');
    for (const f of q.findings) lines.push(`   ${f.severity} ${f.rule}: ${f.message}`);
  });
  io.out(lines.join('\n') + '\n');
  return 0;
}

export { catalogFindings } from '../live/catalog-findings';

/** `dbe health`: the monitoring checks, one verdict each; exit 1 when one is CRITICAL. */
export async function healthCommand(o: HealthOptions, io: Io): Promise<number> {
  await initParser();
  const config = configFromCwd(o.config, io);
  const my = mysqlPicked(o, config, io);
  if (my) return (await import('./live-mysql-command')).mysqlHealth(my, o, io);
  const report = await withSession(o, config, io, async (s): Promise<HealthReport> => {
    const snapshot = await readCatalog(s);
    const checks = await serverChecks(s);
    checks.push(catalogFindings(snapshot, config));
    return { version: 1, database: s.target, serverVersion: s.serverVersion, checks, verdict: worst(checks.map((c) => c.verdict)) };
  });
  io.out(o.format === 'json' ? JSON.stringify({ ...report, principle: PRINCIPLE }) + '\n' : formatHealth(report));
  return report.verdict === 'critical' ? 1 : 0;
}
