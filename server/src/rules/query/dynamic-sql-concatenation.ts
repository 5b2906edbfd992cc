import { strings } from '../../sql/ast';
import { parsePlpgsql, parseStatement, type Node } from '../../sql/parse';
import type { Rule, StatementContext } from '../types';
import { bodyOf, bodyStart, brief } from './util';

/** Types whose text form cannot carry SQL syntax (numbers, booleans, regclass and friends print quoted). */
const SAFE_TYPES = /^(int|integer|int[248]|smallint|bigint|numeric|decimal|real|double precision|float[48]?|bool|boolean|oid|regclass|regproc|regprocedure|regtype|regnamespace|regrole|uuid|date|interval|timestamp.*|serial|bigserial)$/;
const QUOTING = new Set(['quote_ident', 'quote_literal', 'quote_nullable']);

interface Datum { name: string; type: string; local: boolean }

interface Fn {
  datums: Datum[];
  /** Assignments by variable number: expression text and body line. */
  assigns: Map<number, { expr: string; lineno: number; text: string }[]>;
  /** Variables written by SELECT/EXECUTE ... INTO (their content comes from data). */
  intoTargets: Set<number>;
}

/** A dynamic-SQL statement in a PL/pgSQL body: EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR EXECUTE, RETURN QUERY EXECUTE. */
interface Dyn { lineno: number; query: string }

function collect(fn: Node): { dyns: Dyn[]; info: Fn } {
  const datums: Datum[] = (fn.datums ?? []).map((d: Node) => {
    const v = d.PLpgSQL_var ?? d.PLpgSQL_rec ?? d.PLpgSQL_row ?? d.PLpgSQL_recfield ?? {};
    const type = String(v.datatype?.PLpgSQL_type?.typname ?? '').toLowerCase().replace(/^pg_catalog\./, '').replace(/\(.*$/, '').trim();
    return { name: v.refname ?? v.fieldname ?? '', type, local: typeof v.lineno === 'number' };
  });
  const info: Fn = { datums, assigns: new Map(), intoTargets: new Set() };
  const dyns: Dyn[] = [];
  const visit = (v: any) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { v.forEach(visit); return; }
    for (const [k, val] of Object.entries<any>(v)) {
      if (k === 'PLpgSQL_stmt_dynexecute' && val.query?.PLpgSQL_expr) dyns.push({ lineno: val.lineno, query: val.query.PLpgSQL_expr.query });
      else if (k === 'PLpgSQL_stmt_dynfors' && val.query?.PLpgSQL_expr) dyns.push({ lineno: val.lineno, query: val.query.PLpgSQL_expr.query });
      else if ((k === 'PLpgSQL_stmt_return_query' || k === 'PLpgSQL_stmt_open') && val.dynquery?.PLpgSQL_expr)
        dyns.push({ lineno: val.lineno, query: val.dynquery.PLpgSQL_expr.query });
      else if (k === 'PLpgSQL_stmt_assign' && typeof val.varno === 'number' && val.expr?.PLpgSQL_expr) {
        const text = String(val.expr.PLpgSQL_expr.query);
        const m = /^[^:=]*(?::=|=)\s*([\s\S]*)$/.exec(text);
        const list = info.assigns.get(val.varno) ?? [];
        list.push({ expr: m ? m[1] : text, lineno: val.lineno, text });
        info.assigns.set(val.varno, list);
      }
      if (k === 'target' && val) {
        const row = val.PLpgSQL_row;
        for (const f of row?.fields ?? []) if (typeof f.varno === 'number') info.intoTargets.add(f.varno);
        if (val.PLpgSQL_var && typeof val.PLpgSQL_var.dno === 'number') info.intoTargets.add(val.PLpgSQL_var.dno);
      }
      visit(val);
    }
  };
  visit(fn.action);
  return { dyns, info };
}

function parseExpr(text: string): Node | undefined {
  return parseStatement(`SELECT ${text}`).node?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
}

/** Pieces of a `||` chain. */
function concatPieces(n: Node): Node[] {
  if (n?.A_Expr?.kind === 'AEXPR_OP' && strings(n.A_Expr.name)[0] === '||' && n.A_Expr.lexpr) return [...concatPieces(n.A_Expr.lexpr), ...concatPieces(n.A_Expr.rexpr)];
  return [n];
}

class Checker {
  private visiting = new Set<number>();
  constructor(private readonly fn: Fn) {}

  private varIndex(name: string): number {
    const lower = name.toLowerCase();
    for (let i = this.fn.datums.length - 1; i >= 0; i--) if (this.fn.datums[i].name.toLowerCase() === lower) return i;
    return -1;
  }

  /** True when a variable's value cannot carry SQL syntax: a safe type, or a local only ever assigned safe text. */
  safeVar(name: string, self?: number): boolean {
    const i = this.varIndex(name);
    if (i < 0) return false;
    if (i === self) return true;
    const d = this.fn.datums[i];
    if (SAFE_TYPES.test(d.type)) return true;
    if (!d.local || this.fn.intoTargets.has(i)) return false;
    const assigns = this.fn.assigns.get(i) ?? [];
    if (!assigns.length) return false;
    if (this.visiting.has(i)) return true;
    this.visiting.add(i);
    try {
      return assigns.every((a) => { const e = parseExpr(a.expr); return !!e && !this.unsafePiece(e, i); });
    } finally { this.visiting.delete(i); }
  }

  /** The reason a piece of dynamic SQL text is unsafe, or undefined when it is safe. */
  unsafePiece(n: Node, self?: number): string | undefined {
    if (!n) return undefined;
    if (n.A_Const) return undefined;
    if (n.TypeCast) {
      const t = strings(n.TypeCast.typeName?.names).slice(-1)[0]?.toLowerCase() ?? '';
      if (SAFE_TYPES.test(t) || t === 'int4' || t === 'int8') return undefined;
      return this.unsafePiece(n.TypeCast.arg, self);
    }
    if (n.A_Expr?.kind === 'AEXPR_OP' && strings(n.A_Expr.name)[0] === '||') {
      for (const p of concatPieces(n)) { const r = this.unsafePiece(p, self); if (r) return r; }
      return undefined;
    }
    if (n.ColumnRef) {
      const f = strings(n.ColumnRef.fields);
      if (f.length === 1 && this.safeVar(f[0], self)) return undefined;
      return f.join('.');
    }
    if (n.FuncCall) {
      const name = strings(n.FuncCall.funcname).slice(-1)[0]?.toLowerCase() ?? '';
      if (QUOTING.has(name)) return undefined;
      if (name === 'format') return this.unsafeFormat(n.FuncCall.args ?? [], self);
      if (name === 'concat' || name === 'concat_ws') {
        for (const a of n.FuncCall.args ?? []) { const r = this.unsafePiece(a, self); if (r) return r; }
        return undefined;
      }
      if (['count', 'length', 'char_length'].includes(name)) return undefined;
      return brief(name + '(...)');
    }
    if (n.ParamRef) return `$${n.ParamRef.number}`;
    return undefined;
  }

  /** format(): a %s conversion (not %I or %L) fed by something that can carry SQL. */
  unsafeFormat(args: Node[], self?: number): string | undefined {
    const fmt = args[0]?.A_Const?.sval?.sval;
    if (typeof fmt !== 'string') return undefined;
    const re = /%(?:(\d+)\$)?-?(?:\d+|\*(?:\d+\$)?)?([sIL%])/g;
    let next = 1;
    for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
      if (m[2] === '%') continue;
      const pos = m[1] ? Number(m[1]) : next;
      next = pos + 1;
      if (m[2] !== 's') continue;
      const arg = args[pos];
      if (!arg) continue;
      if (arg.FuncCall && QUOTING.has(strings(arg.FuncCall.funcname).slice(-1)[0]?.toLowerCase() ?? '')) continue;
      const r = this.unsafePiece(arg, self);
      if (r) return `%s with ${r}`;
    }
    return undefined;
  }
}

export const rule: Rule = {
  meta: {
    id: 'dynamic-sql-concatenation',
    title: 'Dynamic SQL built by string concatenation',
    category: 'query',
    severity: 'warning',
    principle: 'Anti-Patterns to Avoid: "Not using prepared statements"; Core Expertise: "Database security and compliance"',
    rationale:
      'A PL/pgSQL `EXECUTE` runs whatever text it is given. When that text is glued together with `||` (or with format()\'s `%s`) from parameters, variables or data, a value containing a quote or a semicolon changes the statement: that is SQL injection inside the database, with the function owner\'s privileges (often SECURITY DEFINER). Identifiers belong in `format(\'%I\', name)` or quote_ident(), literals in `%L` / quote_literal(), and values should not be in the text at all but passed with `EXECUTE ... USING`, which also lets PostgreSQL treat them as parameters.',
    bad: "CREATE FUNCTION purge(tbl text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  EXECUTE 'DELETE FROM ' || tbl;\nEND $$;",
    good: "CREATE FUNCTION purge(tbl text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  EXECUTE format('DELETE FROM %I', tbl);\nEND $$;",
    fixable: false,
    notes:
      'Checks EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR EXECUTE and RETURN QUERY EXECUTE in PL/pgSQL functions, procedures and DO blocks. Pieces that are safe and not reported: string constants, quote_ident()/quote_literal()/quote_nullable() calls, format() with %I/%L (or %s fed by constants), variables of numeric, boolean, date/time, uuid or reg* types, and local variables only ever assigned safe text. When the executed text is a variable assembled earlier, the finding is placed on the unsafe assignment.',
  },
  textFilter: /\bexecute\b/i,
  onStatement(ctx) {
    if (ctx.kind !== 'CreateFunctionStmt' && ctx.kind !== 'DoStmt') return;
    const { body, language } = bodyOf(ctx.kind, ctx.node);
    if (language !== 'plpgsql' || !body || !/execute/i.test(body)) return;
    const fns = parsePlpgsql(ctx.stmt.text);
    if (!fns || fns.length === 0) return;
    const base = bodyStart(ctx.stmt.text, body);
    if (base < 0) return;
    for (const fn of fns) {
      const { dyns, info } = collect(fn);
      const checker = new Checker(info);
      for (const d of dyns) {
        const e = parseExpr(d.query);
        if (!e) continue;
        // EXECUTE of a variable: look at how the variable was built
        const single = e.ColumnRef && strings(e.ColumnRef.fields).length === 1 ? strings(e.ColumnRef.fields)[0] : undefined;
        if (single) {
          const i = info.datums.findIndex((x) => x.name.toLowerCase() === single.toLowerCase());
          if (i >= 0 && info.datums[i].local && !info.intoTargets.has(i)) {
            for (const a of info.assigns.get(i) ?? []) {
              const ae = parseExpr(a.expr);
              const why = ae && checker.unsafePiece(ae, i);
              if (!why || !isConcatOrFormat(ae!)) continue;
              const written = /^\s*([^:=\s]+)/.exec(a.text)?.[1] ?? single;
              report(ctx, body, base, a.lineno, a.text, single,
                `\`${written}\` is built by concatenating ${brief(why, 40)} into SQL text that is later run by EXECUTE; build it with format() using %I for identifiers and %L for literals, or pass values with EXECUTE ... USING.`);
            }
          }
          continue;
        }
        const why = checker.unsafePiece(e);
        if (!why || !isConcatOrFormat(e)) continue;
        report(ctx, body, base, d.lineno, d.query, 'execute',
          `EXECUTE runs SQL text built from ${brief(why, 40)}, which allows SQL injection; use format() with %I for identifiers and %L for literals, or pass values with EXECUTE ... USING.`);
      }
    }
  },
};

function isConcatOrFormat(n: Node): boolean {
  if (n.A_Expr && strings(n.A_Expr.name)[0] === '||') return true;
  const name = strings(n.FuncCall?.funcname).slice(-1)[0]?.toLowerCase();
  if (name === 'format' || name === 'concat' || name === 'concat_ws') return true;
  return !!n.TypeCast && isConcatOrFormat(n.TypeCast.arg);
}

/**
 * Reports on body line `lineno` (1-based; line 1 is the rest of the line holding the opening quote). The
 * range starts at `anchor` (a keyword or variable on that line) and ends after `exprText` when it is
 * found there; otherwise it covers the line's text.
 */
function report(ctx: StatementContext, body: string, base: number, lineno: number, exprText: string, anchor: string, message: string): void {
  const lines = body.split('\n');
  if (!(lineno >= 1 && lineno <= lines.length)) return;
  let lineStart = 0;
  for (let k = 0; k < lineno - 1; k++) lineStart += lines[k].length + 1;
  const line = lines[lineno - 1].replace(/\r$/, '');
  let start = -1, end = -1;
  const anchorAt = line.search(new RegExp(`\\b${anchor.replace(/[^\w$]/g, '')}\\b`, 'i'));
  const exprAt = body.indexOf(exprText, lineStart + Math.max(0, anchorAt));
  if (anchorAt >= 0) {
    start = lineStart + anchorAt;
    end = exprAt >= 0 && exprAt - (lineStart + anchorAt) < 200 ? exprAt + exprText.length : lineStart + line.trimEnd().length;
  } else if (exprAt >= 0 && exprAt - lineStart < 2000) {
    // FOR ... IN EXECUTE / OPEN ... FOR EXECUTE: the statement starts here, the dynamic query further down
    const before = body.slice(lineStart, exprAt);
    const m = [...before.matchAll(new RegExp(`\\b${anchor.replace(/[^\w$]/g, '')}\\b`, 'gi'))].pop();
    start = m ? lineStart + m.index! : exprAt;
    end = exprAt + exprText.length;
  } else {
    // the statement may start on a following line of the same PL/pgSQL statement; fall back to the line
    const lead = line.length - line.trimStart().length;
    start = lineStart + lead;
    end = lineStart + line.trimEnd().length;
    if (end <= start) return;
  }
  ctx.report({ start: ctx.stmt.start + base + start, end: ctx.stmt.start + base + end, message });
}
