// `dbe advise`: the consolidated design report of each project: the indexes its queries need (one
// recommendation per index, with the queries it serves) and the findings of the schema-design rules.
import * as path from 'node:path';
import { keyList, recommendIndexes, type IndexRecommendation } from '../advisor/indexes';
import { Project } from '../engine/project';
import type { Evidence, Finding, Severity } from '../model';
import { RULES_BY_ID } from '../rules';
import { initParser } from '../sql/parse';
import type { AdviseOptions } from './args';
import { collectProjects, relTo, type ProjectSpec } from './collect';
import { displayPath } from './format';
import { addProjectFiles } from './lint-project';
import type { Io } from './lint-command';
import { formatCost, rowsPhrase, worthIt } from '../sandbox/evidence';

interface Where { path: string; line: number; column: number }

export interface AdviceIndex {
  table: string;
  name: string;
  columns: { column: string; direction: 'ASC' | 'DESC' }[];
  include: string[];
  where: string;
  create: string;
  drop: string;
  /** Existing indexes this one makes redundant. */
  replaces: string[];
  /** With --sandbox, per query: the planner's cost without and with the index, or why it was not measured. */
  queries: (Where & { text: string; uses: string; evidence?: Evidence; unmeasured?: string })[];
  /** With --sandbox: the served query with the largest saving (or the least loss), and whether the planner would use the index for any of them. */
  evidence?: Evidence;
  plannerUses?: boolean;
}

export interface AdviceFinding extends Where { rule: string; severity: Severity; message: string }

export interface ProjectAdvice { root: string; indexes: AdviceIndex[]; design: AdviceFinding[] }

export interface AdviceReport {
  version: 1;
  projects: ProjectAdvice[];
  summary: { indexes: number; queries: number; design: number };
}

interface Advised { advice: ProjectAdvice; project: Project; spec: ProjectSpec; locs: { path: string; start: number }[][] }

function adviseProject(spec: ProjectSpec, cwd: string): Advised {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  addProjectFiles(project, spec);
  const results = project.analyze();
  const at = (p: string, offset: number): Where => {
    const pos = project.getFile(p)!.lines.position(offset);
    return { path: displayPath(p, cwd), line: pos.line + 1, column: pos.character + 1 };
  };
  const recs = recommendIndexes(project.order(), project.schema());
  const indexes = recs.map((r: IndexRecommendation): AdviceIndex => ({
    table: r.table.schema === 'public' ? r.table.name : `${r.table.schema}.${r.table.name}`,
    name: r.name,
    columns: r.keys.map((k) => ({ column: k.column, direction: k.desc ? 'DESC' : 'ASC' })),
    include: r.include,
    where: r.predicate,
    create: r.create,
    drop: r.drop,
    replaces: r.supersedes,
    queries: r.queries.map((q) => ({ ...at(q.loc.path, q.loc.start), text: q.text, uses: q.uses })),
  }));
  const design: AdviceFinding[] = [];
  for (const list of results.values()) {
    for (const f of list as Finding[]) {
      if (RULES_BY_ID.get(f.rule)?.meta.category !== 'schema') continue;
      design.push({ rule: f.rule, severity: f.severity, message: f.message, ...at(f.path, f.start) });
    }
  }
  design.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column);
  const locs = recs.map((r) => r.queries.map((q) => ({ path: q.loc.path, start: q.loc.start })));
  return { advice: { root: displayPath(spec.root, cwd) || '.', indexes, design }, project, spec, locs };
}

export function adviseReport(o: AdviseOptions, cwd: string): AdviceReport {
  return reportOf(collectProjects(o.paths, o.config, cwd).map((s) => adviseProject(s, cwd).advice));
}

/** The report with every project that asks for it (--sandbox, "sandbox" in .dbe.json) measured in the sandbox. */
export async function adviseReportMeasured(o: AdviseOptions, io: Pick<Io, 'cwd' | 'err'>): Promise<AdviceReport> {
  const advised = collectProjects(o.paths, o.config, io.cwd).map((s) => adviseProject(s, io.cwd));
  const wanted = advised.filter((a) => (o.sandbox ?? a.spec.config.sandbox) && a.advice.indexes.length);
  if (wanted.length) {
    const sb = await import('../sandbox');
    const { generatedTables, progressPrinter, workerSandbox, limitsOf, CLI_LIMIT_NAMES } = await import('./sandbox-command');
    const { runChecked, SandboxStopped } = await import('../sandbox/runner');
    const { cacheDir } = await import('./parse-cache');
    for (const a of wanted) {
      // in a worker under the sandbox's time and memory limits (sandbox/runner.ts)
      const sandbox = workerSandbox(cacheDir(), limitsOf({}, a.spec.config));
      try {
        const checked = await runChecked(sandbox, sb.sandboxInput(a.project, { checkQueries: false }), CLI_LIMIT_NAMES, { progress: progressPrinter(io, a.advice.root) });
        for (const s of checked.stops) io.err(`dbe sandbox ${a.advice.root}: ${s.path !== undefined ? `${path.relative(io.cwd, s.path) || s.path}: ` : ''}${s.message}\n`);
        const result = checked.result;
        if (!result) { io.err(`dbe sandbox ${a.advice.root}: ${checked.gaveUp}; the indexes are not measured\n`); continue; }
        const failed = result.stats.failed + result.stats.followOns;
        if (failed) io.err(`dbe: ${failed} migration statement${failed === 1 ? '' : 's'} of ${a.advice.root} failed in the sandbox, so the costs may not match your schema (dbe lint --sandbox lists them)\n`);
        let measured;
        try {
          measured = await sandbox.evidence(sb.evidenceRequests(a.project), [...generatedTables(result.stats)]);
        } catch (e) {
          if (!(e instanceof SandboxStopped)) throw e;
          io.err(`dbe sandbox ${a.advice.root}: ${e.message}; the indexes are not measured\n`);
          continue;
        }
        const byLoc = new Map<string, { evidence?: Evidence; error?: string }>();
        for (const r of measured) for (const q of r.queries) byLoc.set(`${q.path}\u0000${q.start}`, q);
        for (const [i, ix] of a.advice.indexes.entries()) {
          let best: Evidence | undefined;
          for (const [k, q] of ix.queries.entries()) {
            const loc = a.locs[i][k];
            const m = byLoc.get(`${loc.path}\u0000${loc.start}`);
            if (m?.evidence) {
              q.evidence = m.evidence;
              if (!best || m.evidence.costBefore - m.evidence.costAfter > best.costBefore - best.costAfter) best = m.evidence;
            } else q.unmeasured = m?.error ?? 'not measured';
          }
          if (best) { ix.evidence = best; ix.plannerUses = ix.queries.some((q) => q.evidence && sb.worthIt(q.evidence)); }
        }
      } finally {
        await sandbox.close();
      }
    }
  }
  return reportOf(advised.map((a) => a.advice));
}

function reportOf(projects: ProjectAdvice[]): AdviceReport {
  return {
    version: 1,
    projects,
    summary: {
      indexes: projects.reduce((n, p) => n + p.indexes.length, 0),
      queries: projects.reduce((n, p) => n + p.indexes.reduce((m, ix) => m + ix.queries.length, 0), 0),
      design: projects.reduce((n, p) => n + p.design.length, 0),
    },
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "cost 248 → 11.6 with the index, on 10,000 generated rows in orders". */
function costs(e: Evidence, table?: string): string {
  return `cost ${formatCost(e.costBefore)} → ${formatCost(e.costAfter)} with the index${table ? `, ${rowsPhrase(e, table)}` : ''}`;
}

/** After a query's costs: nothing when the index pays, else what the planner did with it. */
function flag(e: Evidence): string {
  return worthIt(e) ? '' : e.indexUsed ? ' (used, but less than 10% cheaper)' : ' (not used)';
}

function verdict(ix: AdviceIndex): string {
  const e = ix.evidence!;
  const table = ix.table.includes('.') ? ix.table : `public.${ix.table}`;
  if (ix.plannerUses) return `planner (sandbox): largest saving ${costs(e, table)}`;
  const used = ix.queries.some((q) => q.evidence?.indexUsed);
  return `planner (sandbox): ${used ? 'no query it serves gets 10% cheaper with it' : 'would not use it for any query it serves'} (${costs(e, table)}); a lookup that matches a large share of the rows is read faster by a sequential scan`;
}

function indexTitle(ix: AdviceIndex): string {
  const cols = ix.columns.map((c) => c.column + (c.direction === 'DESC' ? ' DESC' : '')).join(', ');
  return `${ix.name} on ${ix.table} (${cols})${ix.include.length ? ` INCLUDE (${ix.include.join(', ')})` : ''}${ix.where ? ` WHERE ${ix.where}` : ''}`;
}

export function formatAdviceText(r: AdviceReport): string {
  const out: string[] = [];
  for (const p of r.projects) {
    if (r.projects.length > 1) out.push(`== ${p.root}`, '');
    out.push(`Index recommendations (${p.indexes.length})`);
    if (!p.indexes.length) out.push('  none: every query found is served by an existing index');
    for (const [i, ix] of p.indexes.entries()) {
      out.push('', `${i + 1}. ${indexTitle(ix)}`);
      if (ix.evidence) out.push(`   ${verdict(ix)}`);
      out.push(`   serves ${plural(ix.queries.length, 'query', 'queries')}:`);
      for (const q of ix.queries) {
        out.push(`     ${q.path}:${q.line}:${q.column}  ${q.text}  [${q.uses}]`);
        if (q.evidence) out.push(`       planner: ${costs(q.evidence)}${flag(q.evidence)}`);
        else if (q.unmeasured) out.push(`       planner: ${q.unmeasured}`);
      }
      out.push(`   ${ix.create}`, `   rollback: ${ix.drop}`);
      if (ix.replaces.length) out.push(`   then drop ${ix.replaces.join(', ')}: this index makes ${ix.replaces.length === 1 ? 'it' : 'them'} redundant`);
    }
    out.push('', `Schema design findings (${p.design.length})`);
    if (!p.design.length) out.push('  none');
    for (const d of p.design) out.push(`  ${d.path}:${d.line}:${d.column}: ${d.severity} ${d.rule} ${d.message.replace(/\r?\n/g, ' ')}`);
    out.push('');
  }
  const s = r.summary;
  out.push(`${plural(s.indexes, 'index recommendation', 'index recommendations')} serving ${plural(s.queries, 'query', 'queries')}, ${plural(s.design, 'schema design finding', 'schema design findings')}`);
  return out.join('\n') + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export function formatAdviceMarkdown(r: AdviceReport): string {
  const out: string[] = ['# DB Engineer advice', ''];
  const s = r.summary;
  out.push(`${plural(s.indexes, 'index recommendation', 'index recommendations')} serving ${plural(s.queries, 'query', 'queries')}, ${plural(s.design, 'schema design finding', 'schema design findings')}.`, '');
  for (const p of r.projects) {
    const h = r.projects.length > 1 ? '###' : '##';
    if (r.projects.length > 1) out.push(`## ${code(p.root)}`, '');
    out.push(`${h} Index recommendations`, '');
    if (!p.indexes.length) out.push('None: every query found is served by an existing index.', '');
    for (const [i, ix] of p.indexes.entries()) {
      out.push(`${h}# ${i + 1}. ${code(indexTitle(ix))}`, '');
      if (ix.evidence) out.push(`${verdict(ix)}.`, '');
      out.push('```sql', ix.create, '```', '', `Rollback: ${code(ix.drop)}`, '');
      if (ix.replaces.length) out.push(`Then drop ${ix.replaces.map(code).join(', ')}: this index makes ${ix.replaces.length === 1 ? 'it' : 'them'} redundant.`, '');
      out.push(`Serves ${plural(ix.queries.length, 'query', 'queries')}:`, '');
      for (const q of ix.queries) {
        const m = q.evidence ? `; planner: ${costs(q.evidence)}${flag(q.evidence)}` : q.unmeasured ? `; planner: ${q.unmeasured}` : '';
        out.push(`- ${code(`${q.path}:${q.line}`)} ${code(q.text)} (${q.uses}${m})`);
      }
      out.push('');
    }
    out.push(`${h} Schema design findings`, '');
    if (!p.design.length) out.push('None.', '');
    else {
      out.push('| Rule | Where | Finding |', '|---|---|---|');
      for (const d of p.design) out.push(`| ${d.rule} | ${cell(`${d.path}:${d.line}`)} | ${cell(d.message)} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export async function adviseCommand(o: AdviseOptions, io: Io): Promise<number> {
  await initParser();
  const report = await adviseReportMeasured(o, io);
  io.out(o.format === 'json' ? JSON.stringify(report) + '\n' : o.format === 'markdown' ? formatAdviceMarkdown(report) : formatAdviceText(report));
  return 0;
}
