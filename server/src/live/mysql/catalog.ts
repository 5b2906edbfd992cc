// The live MySQL/MariaDB database's schema as DDL, for the base file the engine replays before the
// project's files (as ../catalog.ts does for PostgreSQL). information_schema lists the objects of
// the connected database; SHOW CREATE TABLE / SHOW CREATE VIEW write each one back exactly as the
// server holds it. The text is made to replay into an empty database of any name, in order:
// - tables first, without their FOREIGN KEY clauses (InnoDB's own index for a foreign key is
//   listed as a KEY by SHOW CREATE TABLE, so it stays); then every foreign key as
//   ALTER TABLE ... ADD CONSTRAINT (a table may reference one created after it, or itself, or a cycle);
// - AUTO_INCREMENT=n is left out (a counter of the data, not the schema);
// - views last, ordered so that a view comes after the views it reads, without DEFINER (a user of
//   that server) and with the database's own name taken out of their qualified names.
import { lex } from '../../dialects/mysql/lex';
import type { MySqlSession } from './connect';
import { DBE_MARK } from './connect';

export interface MySqlCatalogSnapshot {
  dialect: 'mysql' | 'mariadb';
  /** Virtual source path of the DDL (`database://app@db:3306/shop`). */
  source: string;
  /** The schema as MySQL DDL, one statement per object, each ended by `;` and a newline. */
  ddl: string;
  /** 100118 (MariaDB 10.11.18), 80036 (MySQL 8.0.36). */
  serverVersion: number;
  product: string;
  counts: { tables: number; views: number; indexes: number; constraints: number };
}

const bq = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/** SHOW CREATE TABLE's text split into the CREATE TABLE without foreign keys and the foreign keys as ALTER TABLE. */
export function splitCreateTable(table: string, create: string): { create: string; foreignKeys: string[] } {
  const lines = create.split('\n');
  const open = lines.findIndex((l) => /\($/.test(l));
  const close = lines.length - 1 - [...lines].reverse().findIndex((l) => /^\)/.test(l));
  if (open < 0 || close <= open) return { create: stripAutoIncrement(create), foreignKeys: [] };
  const body = lines.slice(open + 1, close).map((l) => l.replace(/,$/, ''));
  const fkLine = (l: string) => /^\s*CONSTRAINT\s+`(?:[^`]|``)*`\s+FOREIGN KEY\s/i.test(l) || /^\s*FOREIGN KEY\s/i.test(l);
  const keep = body.filter((l) => !fkLine(l));
  const fks = body.filter(fkLine).map((l) => `ALTER TABLE ${bq(table)} ADD ${l.trim()};`);
  const text = [...lines.slice(0, open + 1), keep.join(',\n'), ...lines.slice(close)].join('\n');
  return { create: stripAutoIncrement(text), foreignKeys: fks };
}

/** The table options without AUTO_INCREMENT=n (only in the last line, the options). */
function stripAutoIncrement(create: string): string {
  const i = create.lastIndexOf('\n)');
  if (i < 0) return create;
  return create.slice(0, i) + create.slice(i).replace(/ AUTO_INCREMENT=\d+/, '');
}

/** SHOW CREATE VIEW's text without DEFINER=... and without `db`. before names (outside strings). */
export function portableView(create: string, database: string): string {
  let text = create.replace(/^CREATE\s+(ALGORITHM=\w+\s+)?DEFINER=(?:`(?:[^`]|``)*`|'[^']*'|[^\s@]+)@(?:`(?:[^`]|``)*`|'[^']*'|[^\s]+)\s+/i, 'CREATE $1');
  // `db`.`t` -> `t`: only backtick tokens equal to the database's name followed by a dot
  const toks = lex(text).tokens;
  let out = '', at = 0;
  for (let i = 0; i < toks.length - 1; i++) {
    const t = toks[i];
    if (t.kind === 'quoted' && t.value === database && toks[i + 1].kind === 'op' && toks[i + 1].value === '.') {
      out += text.slice(at, t.start);
      at = toks[i + 1].end;
    }
  }
  text = out + text.slice(at);
  return text;
}

/** Views ordered so that each comes after the views its text names (a cycle keeps the given order). */
export function orderViews(views: { name: string; create: string }[]): { name: string; create: string }[] {
  const names = new Map(views.map((v) => [v.name.toLowerCase(), v]));
  const deps = new Map(views.map((v) => [v, new Set(lex(v.create).tokens.filter((t) => (t.kind === 'quoted' || t.kind === 'word') && names.has(t.value.toLowerCase()) && t.value.toLowerCase() !== v.name.toLowerCase()).map((t) => names.get(t.value.toLowerCase())!))]));
  const out: typeof views = [];
  const state = new Map<unknown, number>();
  const visit = (v: (typeof views)[number]) => {
    if (state.get(v) === 2 || state.get(v) === 1) return;
    state.set(v, 1);
    for (const d of deps.get(v) ?? []) visit(d);
    state.set(v, 2);
    out.push(v);
  };
  for (const v of views) visit(v);
  return out;
}

export function mysqlCatalogSource(target: string): string { return `database://${target}`; }

/** Reads the connected database's tables and views as DDL (in one read-only transaction). */
export async function readMySqlCatalog(s: MySqlSession): Promise<MySqlCatalogSnapshot> {
  return s.readOnlyTransaction(async () => {
    const objs = (await s.query<{ n: string; t: string }>(`${DBE_MARK} SELECT TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME`)).rows;
    const creates: string[] = [], fks: string[] = [], views: { name: string; create: string }[] = [];
    for (const o of objs) {
      if (o.t === 'VIEW') {
        const r = await s.tryQuery<Record<string, string>>(`${DBE_MARK} SHOW CREATE VIEW ${bq(o.n)}`);
        if (r.ok) { views.push({ name: o.n, create: portableView(String(r.result.rows[0]?.['Create View'] ?? ''), s.database) }); continue; }
        // SHOW CREATE VIEW opens the view, and MariaDB refuses that in a read-only transaction
        // when the view calls a function that writes: information_schema still has its text
        const v = (await s.query<{ d: string | null; a: string; sec: string; chk: string }>(`${DBE_MARK} SELECT VIEW_DEFINITION AS d, ALGORITHM AS a, SECURITY_TYPE AS sec, CHECK_OPTION AS chk
          FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [o.n])).rows[0];
        if (!v?.d) { creates.push(`-- view ${bq(o.n)}: its definition cannot be read (${r.message.replace(/\s+/g, ' ')})`); continue; }
        const check = v.chk && v.chk !== 'NONE' ? ` WITH ${v.chk} CHECK OPTION` : '';
        views.push({ name: o.n, create: portableView(`CREATE ALGORITHM=${v.a || 'UNDEFINED'} SQL SECURITY ${v.sec || 'DEFINER'} VIEW ${bq(o.n)} AS ${v.d}${check}`, s.database) });
        continue;
      }
      const r = await s.query<Record<string, string>>(`${DBE_MARK} SHOW CREATE TABLE ${bq(o.n)}`);
      const text = String(r.rows[0]?.['Create Table'] ?? '');
      const split = splitCreateTable(o.n, text);
      creates.push(split.create + ';');
      fks.push(...split.foreignKeys);
    }
    const idx = (await s.query<{ c: string }>(`${DBE_MARK} SELECT COUNT(DISTINCT TABLE_NAME, INDEX_NAME) AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()`)).rows[0];
    const cons = (await s.query<{ c: string }>(`${DBE_MARK} SELECT COUNT(*) AS c FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()`)).rows[0];
    const ordered = orderViews(views);
    const ddl = [
      `-- The schema of ${s.target} (${s.product}), as read by dbe.`,
      ...creates, ...fks, ...ordered.map((v) => v.create + ';'),
    ].join('\n') + '\n';
    return {
      dialect: s.flavor, source: mysqlCatalogSource(s.target), ddl, serverVersion: s.serverVersion, product: s.product,
      counts: { tables: objs.filter((o) => o.t !== 'VIEW').length, views: objs.filter((o) => o.t === 'VIEW').length, indexes: Number(idx?.c ?? 0), constraints: Number(cons?.c ?? 0) },
    };
  });
}
