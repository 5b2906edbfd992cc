import { columnTypeFix, fixOf } from './type-fix';
import { arraySuffix, matchCase } from './util';
import type { Rule } from '../types';

export const rule: Rule = {
  meta: {
    id: 'timestamp-without-time-zone',
    title: 'timestamp without time zone column',
    category: 'schema',
    severity: 'warning',
    principle: 'Schema Design Standards: the persona\'s tables use `created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()` ("Data integrity over application logic").',
    rationale:
      '`timestamp` stores a wall-clock reading with no zone, so the same instant written by servers or sessions in different time zones gets different values, and daylight-saving changes create duplicate or missing hours. `timestamptz` stores an absolute instant (UTC internally, same 8 bytes) and converts on output, so comparisons, ordering and `now()` defaults stay correct wherever the client runs.',
    bad: 'CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamp NOT NULL);',
    good: 'CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);',
    fixable: true,
    notes:
      'Reported where the column\'s type was last written; a later `ALTER COLUMN ... TYPE timestamptz` clears it. The fix keeps the precision (`timestamp(3)` -> `timestamptz(3)`). The type is rewritten in place only where it has not run yet (one schema file, the newest migration). In an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) the file is never edited: the fix writes a new migration, `ALTER TABLE ... ALTER COLUMN ... TYPE timestamptz USING col AT TIME ZONE \'UTC\'` (its rollback goes back through UTC too), whose comment says that it rewrites the table under an ACCESS EXCLUSIVE lock. The USING clause reads the stored values as UTC, the common case; without it they would be read in the TimeZone of whichever session runs the migration. Name another zone there when the values were written in one. (PostgreSQL 12+ skips the rewrite of a plain `TYPE timestamptz` when the session TimeZone is UTC: `SET timezone = \'UTC\'` and no USING is the cheaper equivalent where the migration\'s session can be controlled.) A column that really means a local wall-clock time (an opening hour, a scheduled local time) is a legitimate exception: suppress it there. No such migration is offered when a view uses the column (PostgreSQL refuses to change its type while a view depends on it: drop and recreate the view around the change).',
  },
  onSchema(ctx) {
    // columns copied by LIKE / INHERITS share the source's type location: report it once
    const seen = new Set<string>();
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const col of t.columns.values()) {
        if (col.type !== 'timestamp') continue;
        const precision = col.typeMods.length ? `(${col.typeMods[0]})` : '';
        const wide = matchCase(col.typeText, `timestamptz${precision}`) + arraySuffix(col.typeText);
        const at = `${col.typeLoc.path}:${col.typeLoc.start}`;
        if (seen.has(at)) continue;
        seen.add(at);
        ctx.report({
          loc: col.typeLoc,
          message: `Column ${t.name}.${col.name} is timestamp without time zone; use ${wide.toLowerCase()} so it stores an absolute instant.`,
          fixes: fixOf(columnTypeFix(ctx, t, col, {
            inPlace: wide, alterTo: wide, using: "$col AT TIME ZONE 'UTC'", downTo: col.typeText, downUsing: "$col AT TIME ZONE 'UTC'",
            values: [
              'The existing values are read as UTC (USING ... AT TIME ZONE \'UTC\'). If they were written in another time zone (for example by DEFAULT now() on a server whose TimeZone is not UTC), name that zone instead; without USING they would be read in the TimeZone of whichever session runs this migration.',
            ],
          })),
        });
      }
    }
  },
};
