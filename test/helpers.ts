// Test helpers: lint a fixture (one .sql file, or a folder of .sql files forming one project).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig, mergeConfig, type Config } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { applyEdits } from '../server/src/engine/edits';
import type { Finding } from '../server/src/model';
import { initParser } from '../server/src/sql/parse';

export const ROOT = path.resolve(__dirname, '..');
export const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

export async function ready(): Promise<void> { await initParser(); }

/** Reads a fixture into a project: a file is a one-file project; a folder's .sql files (recursively) are one project. */
export function projectFor(fixture: string, config: Config = defaultConfig()): Project {
  const base = fs.statSync(fixture).isDirectory() ? fixture : path.dirname(fixture);
  const cfgFile = fs.statSync(fixture).isDirectory() ? path.join(fixture, '.dbe.json') : '';
  if (cfgFile && fs.existsSync(cfgFile)) config = mergeConfig(config, JSON.parse(fs.readFileSync(cfgFile, 'utf8')), cfgFile);
  const p = new Project(config, (f) => path.relative(base, f).split(path.sep).join('/'));
  const files = fs.statSync(fixture).isDirectory() ? listSql(fixture) : [fixture];
  for (const f of files) p.setFile(f, fs.readFileSync(f, 'utf8'));
  return p;
}

export function listSql(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listSql(p));
    else if (e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

/** Lints SQL text as a one-file project. */
export function lintText(text: string, config: Config = defaultConfig(), name = '/virtual/test.sql'): { project: Project; findings: Finding[] } {
  const p = new Project(config);
  p.setFile(name, text);
  return { project: p, findings: p.analyze().get(name) ?? [] };
}

export function allFindings(p: Project): Finding[] {
  return [...p.analyze().values()].flat();
}

/** Applies a finding's fix (edits may touch several files) and returns the new texts by path. */
export function applyFix(p: Project, f: Finding, which = 0): Map<string, string> {
  const fix = f.fixes![which];
  const byFile = new Map<string, typeof fix.edits>();
  for (const e of fix.edits) byFile.set(e.path, [...(byFile.get(e.path) ?? []), e]);
  const out = new Map<string, string>();
  for (const [file, edits] of byFile) out.set(file, applyEdits(p.getFile(file)?.text ?? '', edits));
  return out;
}
