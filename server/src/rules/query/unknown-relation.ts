import type { Rule } from '../types';
import { judged, unknownNames } from './names';
import { ranAsWritten } from './util';

export const rule: Rule = {
  meta: {
    id: 'unknown-relation',
    dialects: ['postgres', 'mysql'],
    title: 'Table or view that the schema does not have',
    category: 'query',
    severity: 'error',
    principle: 'The schema is the source of truth: a query must name what the migrations built.',
    rationale:
      'A query that names a table or view the migrations never created (a typo, a table renamed or dropped by an earlier migration) fails at run time with `relation ... does not exist`. The replayed schema knows every relation at each point of the project, so the mistake is shown as you type, with the closest name (or the name a rename gave it) as a quick fix.',
    bad: 'CREATE TABLE user_account (id bigint PRIMARY KEY, email text NOT NULL);\nSELECT id FROM user_acount;',
    good: 'CREATE TABLE user_account (id bigint PRIMARY KEY, email text NOT NULL);\nSELECT id FROM user_account;',
    fixable: true,
    notes:
      'A migration is judged against the schema just before it; a query file after every migration. Silent whenever the project may not hold the whole schema: no migrations at all, Restricted Mode (open files only), a schema (namespace) the project never creates (e.g. `auth` or `storage` created by the platform), an extension that creates tables, dynamic DDL (EXECUTE, functions that create tables), a statement that did not parse, template placeholders, a relation created later in the project, a name with no close match among the relations the project creates (tables an ORM, another repository or another migration format creates are more likely than a typo there). CTE names, system catalogs (`pg_*`, `information_schema`) and sequences are never reported.',
  },
  beforeStatement(ctx) {
    if (!judged(ctx)) return;
    for (const u of unknownNames(ctx)) if (u.kind === 'relation') ctx.report({ start: u.start, end: u.end, message: u.message, fixes: ranAsWritten(ctx) ? [] : u.fixes });
  },
};
