import { fileTokens } from '../../sql/spans';
import type { Loc } from '../../model';
import { Schema } from '../../schema';
import type { Node, Token } from '../../sql/parse';
import { strings } from '../../sql/ast';
import type { Rule, StatementContext } from '../types';
import { q, tableRef } from './util';

/** PostgreSQL's identifier limit: NAMEDATALEN - 1 bytes. */
const MAX = 63;

/** An identifier token as PostgreSQL stores it before truncation: unquoted names fold ASCII letters to lower case. */
export function foldIdent(text: string): string | undefined {
  if (text.startsWith('"')) return text.endsWith('"') && text.length >= 2 ? text.slice(1, -1).replace(/""/g, '"') : undefined;
  if (/^[uU]&/.test(text)) return undefined; // U&"..." escapes: not worth decoding
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The name cut to 63 bytes at a character boundary, as PostgreSQL's scanner does. */
export function truncateIdent(name: string): string {
  const b = Buffer.from(name, 'utf8');
  if (b.length <= MAX) return name;
  let n = MAX;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--; // b[n] is the first byte cut off: back off to a character start
  return b.subarray(0, n).toString('utf8');
}

/** A name the statement defines: what it names, where its name lives (for collisions), the name PostgreSQL keeps. */
interface Defined { what: string; name: string; scope?: Scope }
type Scope = { kind: 'relation'; schema?: string } | { kind: 'column' | 'constraint'; table: Node | undefined };

export const rule: Rule = {
  meta: {
    id: 'identifier-too-long',
    title: 'Name longer than 63 bytes (PostgreSQL truncates it)',
    category: 'migration',
    severity: 'warning',
    principle: 'Schema Design Standards: "Use consistent naming conventions"; Data Modeling Principles: "Data integrity over application logic".',
    rationale:
      'PostgreSQL keeps only the first 63 bytes of a name (UTF-8 bytes, so fewer characters when the name is not ASCII) and only says so in a NOTICE nobody reads. The object then has a different name than the one in the migration: code, ORMs and migration tools that look it up by the written name (in pg_indexes, information_schema, `IF EXISTS` checks) do not find it, and two long names that share their first 63 bytes become the same name: the second CREATE fails, or with IF NOT EXISTS is silently skipped.',
    bad: 'CREATE INDEX idx_customer_orders_by_customer_and_creation_date_including_status_and_total ON orders (customer_id, created_at);',
    good: 'CREATE INDEX idx_orders_customer_created ON orders (customer_id, created_at);',
    fixable: false,
    notes:
      'Checks the names a statement defines: tables, views, materialized views, sequences, indexes, columns, constraints, types and domains, functions and procedures, triggers, policies, schemas, and the new name of a RENAME. Names PostgreSQL generates (`orders_customer_id_fkey`, `orders_pkey`) are cut differently (it shortens the table and column parts to fit) and are not reported: only names written in the statement. When the truncated name is already taken by a different long name (the project created it earlier, or the same statement names it twice) the finding says they collide. squawk\'s `identifier-too-long` also reports long names where they are only referred to (`DROP TABLE`, queries); DB Engineer reports each name once, where it is defined (a reference is cut the same way, so it still finds the object). Down migrations are not checked (they repeat the up migration\'s names). There is no quick fix: the right shorter name is a human choice, and a rename in an applied migration would change what later migrations and the application refer to (and break the checksums tools like Flyway keep of applied files); choose a shorter name before the migration is applied, or rename the object in a new migration.',
  },
  beforeStatement(ctx) {
    if (ctx.runner.down) return;
    // cheap: a name over 63 bytes has at least 16 characters (UTF-8 takes at most 4 bytes a character)
    if (!/[^\s,;()."]{16,}|"[^"]{16,}"/.test(ctx.stmt.text)) return;
    const defs = defined(ctx);
    if (defs.length === 0) return;
    const toks = fileTokens(ctx.stmt);
    const used = new Set<Token>();
    const seen = new Map<string, string>(); // scope+truncated name -> full name, within this statement
    for (const d of defs) {
      const tok = toks.find((t) => !used.has(t) && t.kind === 'IDENT' && long(t) && truncateIdent(foldIdent(t.text)!) === d.name);
      if (!tok) continue;
      used.add(tok);
      const full = foldIdent(tok.text)!;
      const bytes = Buffer.byteLength(full, 'utf8');
      const scopeKey = d.scope ? `${d.scope.kind}:${d.scope.kind === 'relation' ? d.scope.schema ?? '' : d.scope.table?.relname ?? ''}:${d.name}` : '';
      let clash: string | undefined;
      const twin = scopeKey ? seen.get(scopeKey) : undefined;
      if (twin !== undefined && twin !== full) clash = `${q(twin)} in this statement`;
      else if (d.scope) clash = earlier(ctx, d.scope, d.name, full);
      if (scopeKey) seen.set(scopeKey, full);
      const chars = [...full].length;
      const size = chars === bytes ? `${bytes} characters` : `${bytes} bytes (${chars} characters)`;
      ctx.report({
        start: tok.start, end: tok.end,
        message: clash
          ? `The ${d.what} name is ${size}; PostgreSQL cuts it to ${q(d.name)}, the same name as ${clash}: they collide, so this fails (or, with IF NOT EXISTS, silently does nothing). Choose a name of at most 63 bytes.`
          : `The ${d.what} name is ${size}; PostgreSQL silently cuts it to the first 63 bytes, ${q(d.name)}, so lookups by the written name do not find it. Choose a name of at most 63 bytes.`,
      });
    }
  },
};

function long(t: Token): boolean {
  const f = foldIdent(t.text);
  return !!f && Buffer.byteLength(f, 'utf8') > MAX;
}

const last = (names: Node[] | undefined): string => { const s = strings(names ?? []); return s[s.length - 1] ?? ''; };

/** The names the statement defines (as the parser keeps them: already truncated). */
function defined(ctx: StatementContext): Defined[] {
  const n = ctx.node;
  const out: Defined[] = [];
  // a cut name is 60 to 63 bytes long (a UTF-8 character is at most 4 bytes): shorter ones were never cut
  const add = (what: string, name: string | undefined, scope?: Scope) => { if (name && Buffer.byteLength(name, 'utf8') >= MAX - 3) out.push({ what, name, scope }); };
  const constraint = (k: Node | undefined, table: Node | undefined) => { if (k?.conname) add('constraint', k.conname, { kind: 'constraint', table }); };
  const columns = (elts: Node[] | undefined, table: Node | undefined) => {
    for (const e of elts ?? []) {
      if (e.ColumnDef) {
        add('column', e.ColumnDef.colname, { kind: 'column', table });
        for (const c of e.ColumnDef.constraints ?? []) constraint(c.Constraint, table);
      } else if (e.Constraint) constraint(e.Constraint, table);
    }
  };
  switch (ctx.kind) {
    case 'CreateStmt': add('table', n.relation?.relname, { kind: 'relation', schema: n.relation?.schemaname }); columns(n.tableElts, n.relation); break;
    case 'IndexStmt': add('index', n.idxname, { kind: 'relation', schema: n.relation?.schemaname }); break;
    case 'CreateSeqStmt': add('sequence', n.sequence?.relname, { kind: 'relation', schema: n.sequence?.schemaname }); break;
    case 'ViewStmt': add('view', n.view?.relname, { kind: 'relation', schema: n.view?.schemaname }); break;
    case 'CreateTableAsStmt': {
      const rel = (n.into?.IntoClause ?? n.into)?.rel;
      add(n.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table', rel?.relname, { kind: 'relation', schema: rel?.schemaname });
      break;
    }
    case 'AlterTableStmt':
      for (const c of n.cmds ?? []) {
        const cmd = c.AlterTableCmd;
        if (cmd?.subtype === 'AT_AddColumn') columns([cmd.def], n.relation);
        else if (cmd?.subtype === 'AT_AddConstraint') constraint(cmd.def?.Constraint, n.relation);
      }
      break;
    case 'RenameStmt': {
      const t = n.renameType;
      const scope: Scope | undefined = ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(t) ? { kind: 'relation', schema: n.relation?.schemaname }
        : t === 'OBJECT_COLUMN' ? { kind: 'column', table: n.relation } : t === 'OBJECT_TABCONSTRAINT' ? { kind: 'constraint', table: n.relation } : undefined;
      add(String(t ?? '').replace(/^OBJECT_/, '').toLowerCase().replace('tabconstraint', 'constraint').replace('matview', 'materialized view') || 'new', n.newname, scope);
      break;
    }
    case 'CreateEnumStmt': add('type', last(n.typeName)); break;
    case 'CreateRangeStmt': add('type', last(n.typeName)); break;
    case 'CompositeTypeStmt': add('type', n.typevar?.relname); columns(n.coldeflist, undefined); break;
    case 'CreateDomainStmt': add('domain', last(n.domainname)); break;
    case 'CreateFunctionStmt': add(n.is_procedure ? 'procedure' : 'function', last(n.funcname)); break;
    case 'CreateTrigStmt': add('trigger', n.trigname); break;
    case 'CreatePolicyStmt': add('policy', n.policy_name); break;
    case 'CreateSchemaStmt': add('schema', n.schemaname); break;
  }
  return out;
}

/**
 * A different long name, written earlier in the project, that PostgreSQL cut to the same name and that
 * still names an object in the schema's scope: the two collide. Undefined when unsure.
 */
function earlier(ctx: StatementContext, scope: Scope, name: string, full: string): string | undefined {
  let loc: Loc | undefined;
  if (scope.kind === 'relation') {
    loc = ctx.schema.tables.get(Schema.indexKey(scope.schema, name))?.loc ?? ctx.schema.indexes.get(Schema.indexKey(scope.schema, name))?.loc;
  } else {
    const t = tableRef(ctx, scope.table)?.table;
    if (!t) return undefined;
    if (scope.kind === 'column') loc = t.columns.get(name)?.loc;
    else {
      loc = t.foreignKeys.find((k) => k.name === name)?.loc ?? t.checks.find((k) => k.name === name)?.loc
        ?? (t.primaryKey?.name === name ? t.primaryKey.loc : undefined) ?? ctx.schema.indexesOf(t).find((ix) => ix.name === name && ix.constraint)?.loc;
    }
  }
  if (!loc) return undefined;
  const file = ctx.files().find((f) => f.path === loc!.path);
  if (!file) return undefined;
  // the earlier statement's long spelling of the name
  // (a name's location may span only its first 63 characters: read on past it)
  const text = file.text.slice(loc.start, Math.max(loc.end, loc.start + 400));
  const re = /"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const f = foldIdent(m[0]);
    if (f && Buffer.byteLength(f, 'utf8') > MAX && truncateIdent(f) === name) {
      if (f === full) return undefined;
      const line = file.lines.range(loc.start + m.index, loc.start + m.index).start.line + 1;
      return `${q(f)} (${file.path === ctx.file.path ? '' : `${file.path.split(/[\\/]/).pop()}, `}line ${line})`;
    }
  }
  return undefined;
}
