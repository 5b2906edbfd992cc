// `dbe advise`: the consolidated design report of each project: the indexes its queries need (one
// recommendation per index, with the queries it serves) and the findings of the schema-design rules.
import { keyList, recommendIndexes, type IndexRecommendation } from '../advisor/indexes';
import { Project } from '../engine/project';
import type { Finding, Severity } from '../model';
import { RULES_BY_ID } from '../rules';
import { initParser } from '../sql/parse';
import type { AdviseOptions } from './args';
import { collectProjects, relTo, type ProjectSpec } from './collect';
import { displayPath } from './format';
import { readSource } from './lint-project';
import type { Io } from './lint-command';

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
  queries: (Where & { text: string; uses: string })[];
}

export interface AdviceFinding extends Where { rule: string; severity: Severity; message: string }

export interface ProjectAdvice { root: string; indexes: AdviceIndex[]; design: AdviceFinding[] }

export interface AdviceReport {
  version: 1;
  projects: ProjectAdvice[];
  summary: { indexes: number; queries: number; design: number };
}

function adviseProject(spec: ProjectSpec, cwd: string): ProjectAdvice {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  for (const f of spec.files) project.setFile(f, readSource(f, spec.config.maxFileBytes).text);
  const results = project.analyze();
  const at = (p: string, offset: number): Where => {
    const pos = project.getFile(p)!.lines.position(offset);
    return { path: displayPath(p, cwd), line: pos.line + 1, column: pos.character + 1 };
  };
  const indexes = recommendIndexes(project.order(), project.schema()).map((r: IndexRecommendation): AdviceIndex => ({
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
  return { root: displayPath(spec.root, cwd) || '.', indexes, design };
}

export function adviseReport(o: AdviseOptions, cwd: string): AdviceReport {
  const projects = collectProjects(o.paths, o.config, cwd).map((s) => adviseProject(s, cwd));
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
      out.push('', `${i + 1}. ${indexTitle(ix)}`, `   serves ${plural(ix.queries.length, 'query', 'queries')}:`);
      for (const q of ix.queries) out.push(`     ${q.path}:${q.line}:${q.column}  ${q.text}  [${q.uses}]`);
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
      out.push(`${h}# ${i + 1}. ${code(indexTitle(ix))}`, '', '```sql', ix.create, '```', '', `Rollback: ${code(ix.drop)}`, '');
      if (ix.replaces.length) out.push(`Then drop ${ix.replaces.map(code).join(', ')}: this index makes ${ix.replaces.length === 1 ? 'it' : 'them'} redundant.`, '');
      out.push(`Serves ${plural(ix.queries.length, 'query', 'queries')}:`, '');
      for (const q of ix.queries) out.push(`- ${code(`${q.path}:${q.line}`)} ${code(q.text)} (${q.uses})`);
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
  const report = adviseReport(o, io.cwd);
  io.out(o.format === 'json' ? JSON.stringify(report) + '\n' : o.format === 'markdown' ? formatAdviceMarkdown(report) : formatAdviceText(report));
  return 0;
}
