import { columnTypeFix, fixOf } from './type-fix';
import { arraySuffix, matchCase } from './util';
import type { Rule } from '../types';

export const rule: Rule = {
  meta: {
    id: 'char-n',
    title: 'char(n) column (use varchar(n) or text)',
    category: 'schema',
    severity: 'info',
    principle: 'Schema Design Standards: the persona\'s tables use `VARCHAR(n)` for bounded strings (e.g. `email VARCHAR(255)`).',
    rationale:
      '`char(n)` pads every value with blanks to n characters and ignores trailing blanks when comparing, so `\'ab\'` and `\'ab  \'` are equal in the column but not once cast to text, LIKE and concatenation see the padding, and clients read back strings they never wrote. It is not faster or smaller than `varchar(n)` in PostgreSQL. The fix writes `varchar(n)`, which keeps the length limit the author asked for (the only useful part of `char(n)`) and matches the persona\'s style; plain `text` with a CHECK on the length is the other good option.',
    bad: 'CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);',
    good: 'CREATE TABLE countries (code varchar(2) PRIMARY KEY, name text NOT NULL);',
    fixable: true,
    notes:
      'Not reported for the internal one-byte type `"char"` (quoted). `char` without a length means `char(1)`; the fix writes `varchar(1)`; a bare `bpchar` (no length, no limit) becomes `text`. Converting a column that holds data drops the padding: a cast from char(n) to varchar or text removes trailing blanks. The type is rewritten in place only where it has not run yet (one schema file, the newest migration); in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) the file is never edited: the fix writes a new migration with `ALTER COLUMN ... TYPE varchar(n)` (rollback: back to char(n)), whose comment says that it rewrites the table under an ACCESS EXCLUSIVE lock. No such migration is offered when a view uses the column (PostgreSQL refuses to change its type while a view depends on it: drop and recreate the view around the change).',
  },
  onSchema(ctx) {
    // columns copied by LIKE / INHERITS share the source's type location: report it once
    const seen = new Set<string>();
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const col of t.columns.values()) {
        if (col.type !== 'bpchar') continue;
        // `bpchar` written without a length has no limit: text is its equivalent
        const unbounded = col.typeMods.length === 0 && /^\s*("?pg_catalog"?\.)?"?bpchar/i.test(col.typeText);
        const repl = matchCase(col.typeText, unbounded ? 'text' : `varchar(${col.typeMods[0] ?? 1})`) + arraySuffix(col.typeText);
        const at = `${col.typeLoc.path}:${col.typeLoc.start}`;
        if (seen.has(at)) continue;
        seen.add(at);
        ctx.report({
          loc: col.typeLoc,
          message: `Column ${t.name}.${col.name} is ${col.typeText}, which pads values with blanks; use ${repl.toLowerCase()}${unbounded ? '' : ' (or text)'}.`,
          fixes: fixOf(columnTypeFix(ctx, t, col, {
            inPlace: repl, alterTo: repl, downTo: col.typeText,
            values: ['The conversion removes the trailing blanks char(n) padded the values with; the length limit stays.'],
          })),
        });
      }
    }
  },
};
