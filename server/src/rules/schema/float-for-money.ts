import { inMySqlFile, mySqlTypeFix } from '../../dialects/mysql/rules-util';
import { columnTypeFix, fixOf } from './type-fix';
import { arraySuffix, matchCase, nameWords } from './util';
import type { Rule } from '../types';

/** Name words that say a column holds an amount of money. */
const MONEY = new Set([
  'price', 'prices', 'amount', 'amounts', 'cost', 'costs', 'total', 'subtotal', 'fee', 'fees', 'balance', 'salary', 'tax',
  'revenue', 'payment', 'charge', 'discount', 'wage', 'wages', 'budget', 'refund', 'income', 'expense', 'expenses', 'paid',
  'payout', 'spend', 'spent', 'earnings', 'money', 'cash', 'invoice', 'debit', 'credit', 'fare', 'tip', 'deposit', 'usd', 'eur',
  'gbp', 'cents', 'pay', 'profit',
]);
/** Words that say the value is a ratio or a count even next to a money word (tax_rate, total_count). */
const NOT_MONEY = new Set(['rate', 'ratio', 'percent', 'percentage', 'pct', 'count', 'score', 'weight', 'factor', 'multiplier', 'rank', 'quantity', 'qty', 'hours', 'duration', 'limit']);
const FLOAT = new Set(['float4', 'float8']);

export const rule: Rule = {
  meta: {
    id: 'float-for-money',
    dialects: ['postgres', 'mysql'],
    title: 'Floating-point column for money (use numeric(12,2))',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Data integrity over application logic".',
    rationale:
      '`real` and `double precision` are binary floating point: most decimal fractions (0.10, 19.99) have no exact representation, so sums drift by fractions of a cent, equal amounts compare unequal, and rounding depends on the order of operations. Money needs exact decimal arithmetic, which `numeric(p,s)` gives (or an integer count of the smallest currency unit).',
    bad: 'CREATE TABLE invoices (id bigserial PRIMARY KEY, total_amount double precision NOT NULL);',
    good: 'CREATE TABLE invoices (id bigserial PRIMARY KEY, total_amount numeric(12,2) NOT NULL);',
    fixable: true,
    notes:
      'A column counts as money when a word of its name (split on `_` and camelCase) is one of price, amount, cost, total, subtotal, fee, balance, salary, tax, revenue, payment, charge, discount, wage, budget, refund, income, expense, paid, payout, earnings, money, cash, debit, credit, fare, tip, deposit, profit, cents or a currency code, and no word says it is a ratio or a count (rate, ratio, percent, pct, count, score, weight, factor, quantity, ...). The fix writes `numeric(12,2)`: ten digits before the point and cents; pick a wider precision or more decimals (e.g. for exchange rates or crypto) when the data needs them. The type is rewritten in place only where it has not run yet (one schema file, the newest migration); in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) the file is never edited: the fix writes a new migration with `ALTER COLUMN ... TYPE numeric(12,2)` (rollback: back to the floating-point type), whose comment says that it rewrites the table under an ACCESS EXCLUSIVE lock, rounds the stored values to cents and fails on a value of 10^10 or more. No such migration is offered when a view uses the column (PostgreSQL refuses to change its type while a view depends on it: drop and recreate the view around the change). MySQL: FLOAT, DOUBLE and REAL; the fix writes `DECIMAL(19,4)` where the type has not run yet, and nothing in an applied migration (MySQL\'s MODIFY restates the whole column, which a type fix must not guess).',
  },
  onSchema(ctx) {
    // columns copied by LIKE / INHERITS share the source's type location: report it once
    const seen = new Set<string>();
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const col of t.columns.values()) {
        if (!FLOAT.has(col.type)) continue;
        const words = nameWords(col.name);
        const money = (w: string) => MONEY.has(w) || (w.endsWith('s') && MONEY.has(w.slice(0, -1)));
        if (!words.some(money) || words.some((w) => NOT_MONEY.has(w))) continue;
        const exact = matchCase(col.typeText, 'numeric(12,2)') + arraySuffix(col.typeText);
        const at = `${col.typeLoc.path}:${col.typeLoc.start}`;
        if (seen.has(at)) continue;
        seen.add(at);
        if (inMySqlFile(ctx, col.typeLoc)) {
          // MySQL: DECIMAL(19,4) (four decimals: currencies with mills and rounding of sums); UNSIGNED on
          // DECIMAL is deprecated in MySQL 8, so the fix writes none
          const dec = matchCase(col.typeText, 'DECIMAL(19,4)');
          ctx.report({
            loc: col.typeLoc,
            message: `Column ${t.name}.${col.name} holds money in floating point (${col.typeText}), which cannot represent cents exactly and rounds sums; use ${dec}.`,
            fixes: col.mysql?.zerofill ? undefined : fixOf(mySqlTypeFix(ctx, col, dec)),
          });
          continue;
        }
        ctx.report({
          loc: col.typeLoc,
          message: `Column ${t.name}.${col.name} holds money in floating point (${col.typeText}), which cannot represent cents exactly; use numeric(12,2).`,
          fixes: fixOf(columnTypeFix(ctx, t, col, {
            inPlace: exact, alterTo: exact, downTo: col.typeText,
            values: ['The existing values are rounded to cents, and a value of 10,000,000,000 or more makes the migration fail: choose a wider numeric first if the data needs it.'],
          })),
        });
      }
    }
  },
};
