// The static schema rules over a live catalog alone: the findings about the database's own objects,
// as one health check (`dbe health`, the agent's health tool).
import type { Config } from '../config';
import { Project } from '../engine/project';
import { catalogFile, type CatalogSnapshot } from './catalog';
import type { HealthCheck } from './health';

/** The schema rules over the live catalog alone: findings about the database's own objects. */
export function catalogFindings(snapshot: CatalogSnapshot, config: Config | undefined): HealthCheck {
  const project = new Project(config);
  project.setBase(catalogFile(snapshot));
  project.analyze();
  const file = catalogFile(snapshot);
  const items = project.baseFindings.map((f) => {
    const stmt = file.statements.find((s) => s.start <= f.start && f.start < s.end);
    return { rule: f.rule, severity: f.severity, message: f.message, object: stmt?.text.split('\n')[0].slice(0, 160) };
  });
  const v = items.some((f) => f.severity === 'error' || f.severity === 'warning') ? 'warning' : 'ok';
  return {
    id: 'schema', title: 'Schema design (the static rules over the live catalog)', verdict: v, value: items.length,
    summary: items.length ? `${items.length} finding${items.length === 1 ? '' : 's'} about the database's own objects` : 'the schema rules find nothing in the catalog',
    items,
  };
}
