// Migration conventions: which tool a folder of migrations is written for, and so which files it
// runs, in which order, which are rollbacks (and which up each one undoes), and how it runs them
// (in a transaction, as one multi-statement query). Pure: paths and texts in, a plan out.
//
// The plan is plain data (MigrationPlan), documented field by field: the CLI prints it
// (`dbe lint --verbose`), the editor can show it. What each tool does, and where we were not sure
// (then the conservative choice), is in docs/decisions/0016-migration-conventions.md.

import { counted } from '../text';

/** A migration tool whose files we recognise. `plain`: none; files are replayed in path order. */
export type ToolConvention =
  | 'golang-migrate' | 'goose' | 'flyway' | 'dbmate' | 'diesel' | 'prisma' | 'rails-structure' | 'sqitch'
  | 'pop' | 'supabase' | 'postgrator' | 'numbered' | 'versioned-folders' | 'plain';

export const TOOL_CONVENTIONS: readonly ToolConvention[] = [
  'golang-migrate', 'goose', 'flyway', 'dbmate', 'diesel', 'prisma', 'rails-structure', 'sqitch', 'pop', 'supabase',
  'postgrator', 'numbered', 'versioned-folders', 'plain',
];

/** What a file is to its migration tool. */
export type FileRole =
  /** A forward step: replayed into the schema. */
  | 'up'
  /** A rollback (down file, Flyway undo, sqitch revert): judged after its up, never replayed. */
  | 'down'
  /** Flyway `R__`: runs after every versioned migration. Replayed. */
  | 'repeatable'
  /** sqitch verify: queries that check a deploy step; neither replayed nor run. */
  | 'verify'
  /** A migration for another database (pop `.mysql.up.sql`...): not replayed for PostgreSQL. */
  | 'other-dialect'
  /** A full schema file beside versioned migrations (a second install path): judged on its own, not replayed. */
  | 'install-alternative'
  /** sqitch `name@tag.sql`: an older copy of a reworked change (its place is in sqitch.plan, not read): not replayed. */
  | 'reworked'
  /** In a tool's folder but not named as the tool reads names (golang-migrate, Supabase skip it): not replayed. */
  | 'ignored'
  /** The file's statements are run by hand or by something we do not know: replayed, in path order. */
  | 'plain';

export interface PlannedFile {
  /** Path relative to the project (`/` separators). */
  rel: string;
  role: FileRole;
  /** Version as the tool reads it (`1.10`, `20240101120000`); absent for unversioned files. */
  version?: string;
  /** Goose / dbmate: the file's down section starts at this offset (its statements are a rollback). */
  downFrom?: number;
  /** Goose `-- +goose Up` / dbmate `-- migrate:up` offset; statements before it belong to no section. */
  upFrom?: number;
  /** For a down: the up file it undoes (project-relative), when there is one. */
  undoes?: string;
  /** For an up in a convention that keeps rollbacks: its down file, when there is one. */
  downFile?: string;
  /** The tool opens a transaction around the file. */
  wraps: boolean;
  /** The tool sends the file as one multi-statement query (an implicit transaction). */
  oneQuery: boolean;
  /** Why it has this role and place, in a few words (shown by `dbe lint --verbose`). */
  why: string;
}

export interface MigrationSet {
  /** The folder the tool is pointed at (project-relative, `/` separators; '' for the root). */
  folder: string;
  convention: ToolConvention;
  /** How the convention was found ("12 files named N_name.up.sql", "migrations.convention"). */
  detectedBy: string;
  /** True when the convention keeps rollbacks (down files, down sections, undo or revert scripts). */
  keepsDown: boolean;
  /** The set's files in the order the tool runs them (downs right after their up). */
  files: PlannedFile[];
  /** Ambiguities: two files with one version, a mix of conventions, an order the tool may not follow. */
  warnings: string[];
}

export interface MigrationPlan {
  /** 'tool': each set in its tool's order; 'path' / 'natural': migrations.order overrides it. */
  order: 'tool' | 'path' | 'natural';
  sets: MigrationSet[];
  /** Every file, in replay order (sets interleave by folder path). */
  files: PlannedFile[];
}

export interface PlanInput { rel: string; text: string }
export interface PlanOptions {
  /** Text of sqitch.plan files by their folder (project-relative): the deploy order of that sqitch project. */
  sqitchPlans?: ReadonlyMap<string, string>;
  order?: 'tool' | 'path' | 'natural';
  /** migrations.convention: read every migration folder as this tool's. */
  convention?: ToolConvention;
  /** migrations.transactional: every file runs in a transaction whatever the tool. */
  transactional?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Versions

/** A version as numbers (`1.10` -> [1, 10]; `2024-01-01-120000` -> [20240101120000]; Diesel 2.2's `2024-01-01-120000-0000` -> [20240101120000, 0]). */
export function versionParts(v: string): bigint[] {
  if (/^\d{4}-\d{2}-\d{2}-\d{6}$/.test(v)) return [BigInt(v.replace(/-/g, ''))];
  const d = /^(\d{4}-\d{2}-\d{2}-\d{6})-(\d{4})$/.exec(v);
  if (d) return [BigInt(d[1].replace(/-/g, '')), BigInt(d[2])];
  return v.split(/[._]/).filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? BigInt(p) : 0n));
}

/** Compares versions part by part, numerically (Flyway: 1.10 > 1.2; golang-migrate: 100 > 20). */
export function compareVersions(a: string, b: string): number {
  return compareParts(versionParts(a), versionParts(b));
}

const partsCache = new Map<string, bigint[]>();
function partsOf(v: string): bigint[] {
  let p = partsCache.get(v);
  if (!p) {
    if (partsCache.size > 50_000) partsCache.clear();
    partsCache.set(v, (p = versionParts(v)));
  }
  return p;
}

function compareParts(pa: bigint[], pb: bigint[]): number {
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n, y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Plain path order (code units), a `down.sql` placed right after its `up.sql`. */
export function pathKey(rel: string): string {
  if (/(^|[\/._-])down\.sql$/i.test(rel)) return rel.replace(/down\.sql$/i, 'up.sql') + '\u0001';
  return rel;
}

// ---------------------------------------------------------------------------------------------
// Recognising files

const base = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);
const dir = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

const GOLANG_RE = /^(\d+)_(.+)\.(up|down)\.sql$/i;
// popx (ory/x popx/match.go): `<version>_<name>[.<dialect>][.autocommit].(up|down).sql`; an autocommit
// migration runs outside a transaction (popx/migrator.go), every other one on PostgreSQL inside one.
const POP_RE = /^(\d+)_(.+?)(?:\.(postgres|mysql|sqlite3|cockroach))?(\.autocommit)?\.(up|down)\.sql$/i;
const FLYWAY_RE = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const FLYWAY_R_RE = /^R__(.+)\.sql$/;
const NUMBERED_RE = /^(\d+)[_-](.+)\.sql$/i;
// Diesel's directories: `2019-02-26-002946_name`, `20190226002946_name`, and Diesel 2.2's `2025-10-08-084508-0000_name`
const DIESEL_DIR_RE = /^(\d{4}-\d{2}-\d{2}-\d{6}(?:-\d{4})?|\d{14})_.+$/;
const PRISMA_DIR_RE = /^(\d{14})_.+$/;
const VERSION_DIR_RE = /^v(\d+(?:\.\d+)*)$/i;
const POSTGRATOR_RE = /^(\d+)\.(do|undo)\.(.+)\.sql$/i;
const GOOSE_UP_RE = /^--\s*\+goose\s+up\b/im;
const GOOSE_DOWN_RE = /^--\s*\+goose\s+down\b/im;
const GOOSE_NOTX_RE = /^--\s*\+goose\s+no\s+transaction\b/im;
const DBMATE_UP_RE = /^--\s*migrate:up\b(.*)$/im;
const DBMATE_DOWN_RE = /^--\s*migrate:down\b/im;

interface Candidate { convention: ToolConvention; folder: string; version?: string; role: FileRole; pairKey?: string; why: string }

/** How one file reads under each convention its path allows (the folder decides among them). */
function candidates(rel: string, text: string): Candidate[] {
  const b = base(rel), d = dir(rel), parent = base(d), grand = dir(d);
  const out: Candidate[] = [];
  const lower = b.toLowerCase();
  if ((lower === 'up.sql' || lower === 'down.sql') && DIESEL_DIR_RE.test(parent)) {
    out.push({ convention: 'diesel', folder: grand, version: DIESEL_DIR_RE.exec(parent)![1], role: lower === 'up.sql' ? 'up' : 'down', pairKey: parent, why: `Diesel ${parent}/${lower}` });
  }
  if (lower === 'migration.sql' && PRISMA_DIR_RE.test(parent)) {
    out.push({ convention: 'prisma', folder: grand, version: PRISMA_DIR_RE.exec(parent)![1], role: 'up', why: `Prisma ${parent}/migration.sql` });
  }
  const vm = VERSION_DIR_RE.exec(parent);
  if (vm && base(grand).toLowerCase() === 'versioned') {
    out.push({ convention: 'versioned-folders', folder: grand, version: vm[1], role: 'up', why: `version folder v${vm[1]}` });
  }
  // sqitch: <top>/deploy/<change path>.sql, with revert/ and verify/ beside deploy/ (changes may be nested)
  const segs = rel.split('/');
  for (let i = segs.length - 2; i >= 0; i--) {
    const p = segs[i].toLowerCase();
    if (p !== 'deploy' && p !== 'revert' && p !== 'verify') continue;
    const change = segs.slice(i + 1).join('/');
    const reworked = /@[^/]*\.sql$/.test(change);
    out.push({
      convention: 'sqitch', folder: segs.slice(0, i).join('/'), pairKey: change,
      role: reworked ? 'reworked' : p === 'deploy' ? 'up' : p === 'revert' ? 'down' : 'verify',
      why: reworked ? `sqitch ${p}/ older copy of a reworked change` : `sqitch ${p}/`,
    });
    break;
  }
  if (lower === 'structure.sql' && parent.toLowerCase() === 'db') {
    out.push({ convention: 'rails-structure', folder: d, role: 'up', why: 'Rails db/structure.sql (a full schema dump)' });
  }
  let m = FLYWAY_RE.exec(b);
  if (m) out.push({ convention: 'flyway', folder: d, version: m[2].replace(/_/g, '.'), role: m[1] === 'U' ? 'down' : 'up', pairKey: m[2].replace(/_/g, '.'), why: `Flyway ${m[1]}${m[2]}` });
  if (FLYWAY_R_RE.test(b)) out.push({ convention: 'flyway', folder: d, role: 'repeatable', why: 'Flyway repeatable (R__), runs after the versioned ones' });
  m = POP_RE.exec(b);
  if (m) {
    const dialect = m[3]?.toLowerCase();
    out.push({
      convention: 'pop', folder: d, version: m[1], pairKey: dialect === 'mysql' ? `mysql:${m[1]}` : m[1],
      // a dialect DB Engineer reads (PostgreSQL, MySQL: each into its own schema) is a migration; sqlite3, cockroach... are not read
      role: dialect && dialect !== 'postgres' && dialect !== 'mysql' ? 'other-dialect' : m[5].toLowerCase() === 'up' ? 'up' : 'down',
      why: `pop ${dialect ?? ''}${dialect ? ' ' : ''}${m[4] ? 'autocommit ' : ''}${m[5].toLowerCase()}${dialect ? '' : ' (all dialects)'}`,
    });
  }
  m = GOLANG_RE.exec(b);
  if (m) out.push({ convention: 'golang-migrate', folder: d, version: m[1], role: m[3].toLowerCase() === 'up' ? 'up' : 'down', pairKey: m[1], why: `version ${BigInt(m[1])} ${m[3].toLowerCase()}` });
  m = POSTGRATOR_RE.exec(b);
  if (m) out.push({ convention: 'postgrator', folder: d, version: m[1], role: m[2].toLowerCase() === 'do' ? 'up' : 'down', pairKey: String(BigInt(m[1])), why: `postgrator ${m[2].toLowerCase()} ${BigInt(m[1])}` });
  m = NUMBERED_RE.exec(b);
  if (m && !/\.(up|down)\.sql$/i.test(b)) {
    if (GOOSE_UP_RE.test(text)) out.push({ convention: 'goose', folder: d, version: m[1], role: 'up', why: `goose version ${BigInt(m[1])}` });
    else if (DBMATE_UP_RE.test(text)) out.push({ convention: 'dbmate', folder: d, version: m[1], role: 'up', why: `dbmate version ${m[1]}` });
    else if (/(^|\/)supabase\/migrations$/.test(d) && /^\d{14}$/.test(m[1])) out.push({ convention: 'supabase', folder: d, version: m[1], role: 'up', why: `Supabase ${m[1]}` });
    else out.push({ convention: 'numbered', folder: d, version: m[1], role: 'up', why: `number ${BigInt(m[1])}` });
  }
  return out;
}

/** candidates() of the last files seen (the editor plans again after every edit; most files did not change). */
const candidateCache = new Map<string, { text: string; list: Candidate[] }>();
function cachedCandidates(rel: string, text: string): Candidate[] {
  const hit = candidateCache.get(rel);
  if (hit && hit.text === text) return hit.list;
  if (candidateCache.size > 50_000) candidateCache.clear();
  const list = candidates(rel, text);
  candidateCache.set(rel, { text, list });
  return list;
}

/** Which convention wins when a folder's files allow several (a dialect infix makes golang-migrate names pop's). */
const PRIORITY: ToolConvention[] = ['diesel', 'prisma', 'versioned-folders', 'sqitch', 'flyway', 'pop', 'golang-migrate', 'postgrator', 'goose', 'dbmate', 'supabase', 'numbered', 'rails-structure'];

export const KEEPS_DOWN: ReadonlySet<ToolConvention> = new Set(['golang-migrate', 'diesel', 'pop', 'sqitch', 'goose', 'dbmate', 'postgrator']);

/** The table each tool records applied migrations in (created by the tool before the first migration). */
export const TOOL_TABLES: Partial<Record<ToolConvention, string>> = {
  'golang-migrate': 'CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);',
  dbmate: 'CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) NOT NULL PRIMARY KEY);',
  goose: 'CREATE TABLE IF NOT EXISTS goose_db_version (id serial NOT NULL PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());',
  flyway: 'CREATE TABLE IF NOT EXISTS flyway_schema_history (installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);',
  diesel: 'CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version varchar(50) NOT NULL PRIMARY KEY, run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);',
  prisma: 'CREATE TABLE IF NOT EXISTS _prisma_migrations (id varchar(36) NOT NULL PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);',
  pop: 'CREATE TABLE IF NOT EXISTS schema_migration (version varchar(48) NOT NULL, version_self integer NOT NULL DEFAULT 0);',
  supabase: 'CREATE SCHEMA IF NOT EXISTS supabase_migrations; CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, statements text[], name text);',
  postgrator: 'CREATE TABLE IF NOT EXISTS schemaversion (version bigint PRIMARY KEY, name text, md5 text, run_at timestamptz);',
  sqitch: 'CREATE SCHEMA IF NOT EXISTS sqitch; CREATE TABLE IF NOT EXISTS sqitch.changes (change_id text NOT NULL PRIMARY KEY, change text NOT NULL, project text NOT NULL, note text NOT NULL DEFAULT \'\', committed_at timestamptz NOT NULL DEFAULT clock_timestamp()); CREATE TABLE IF NOT EXISTS sqitch.tags (tag_id text NOT NULL PRIMARY KEY, tag text NOT NULL, project text NOT NULL);',
};

// ---------------------------------------------------------------------------------------------
// sqitch.plan

/**
 * The deploy order a sqitch.plan gives: change paths (`tables/user`, or `tables/user@v1.0` for an
 * earlier instance of a reworked change) in plan order. The script of an earlier instance is the copy
 * named after a tag that follows it: sqitch tries each tag after it, up to the change's next rework,
 * and takes the first whose script exists (App::Sqitch::Plan::Change path_segments); `exists` says
 * which exist (without it, the first tag).
 */
export function sqitchOrder(plan: string, exists?: (change: string) => boolean): string[] {
  const entries: { name: string; at: number }[] = [];
  const tags: { tag: string; at: number }[] = [];
  let at = 0;
  for (const raw of plan.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('%') || line.startsWith('#')) continue;
    at++;
    if (line.startsWith('@')) { tags.push({ tag: line.split(/\s+/)[0], at }); continue; }
    const name = line.split(/\s+/)[0].replace(/^[+-]/, '');
    if (name) entries.push({ name, at });
  }
  return entries.map((e, i) => {
    const next = entries.find((x, j) => j > i && x.name === e.name);
    if (!next) return e.name;
    const between = tags.filter((t) => t.at > e.at && t.at < next.at).map((t) => `${e.name}${t.tag}`);
    if (!between.length) return e.name;
    return (exists && between.find(exists)) ?? between[0];
  });
}

// ---------------------------------------------------------------------------------------------
// The plan

/** Line-start offset of the first match of `re` in `text`, or undefined. */
function offsetOf(re: RegExp, text: string): number | undefined {
  const m = re.exec(text);
  return m ? m.index : undefined;
}

/**
 * The migration plan of a project's SQL files: grouped into sets by the folder their tool is pointed
 * at, each set read with its convention, ordered as the tool runs it.
 */
export function planMigrations(inputs: readonly PlanInput[], options: PlanOptions = {}): MigrationPlan {
  const order = options.order ?? 'tool';
  const texts = new Map(inputs.map((f) => [f.rel, f.text] as const));
  const cands = new Map(inputs.map((f) => [f.rel, cachedCandidates(f.rel, f.text)] as const));

  // Each folder's convention: the most files, ties broken by PRIORITY; pop only when some file has a dialect infix.
  const byFolder = new Map<string, Map<ToolConvention, Candidate[]>>();
  for (const list of cands.values()) {
    for (const c of list) {
      let m = byFolder.get(c.folder);
      if (!m) byFolder.set(c.folder, (m = new Map()));
      let l = m.get(c.convention);
      if (!l) m.set(c.convention, (l = []));
      l.push(c);
    }
  }
  const chosen = new Map<string, { convention: ToolConvention; count: number; others: string[] }>();
  for (const [folder, m] of byFolder) {
    const popDialect = (m.get('pop') ?? []).some((c) => !c.why.includes('all dialects'));
    if (!popDialect) m.delete('pop');
    // a folder merely named deploy/ is not sqitch's: it needs revert/ or verify/ beside it
    if (!(m.get('sqitch') ?? []).some((c) => c.role === 'down' || c.role === 'verify')) m.delete('sqitch');
    let best: ToolConvention | undefined;
    if (options.convention && m.has(options.convention)) best = options.convention;
    else {
      for (const conv of PRIORITY) {
        const n = m.get(conv)?.length ?? 0;
        if (n && (!best || n > m.get(best)!.length)) best = conv;
      }
    }
    if (!best) continue;
    const others = [...m.keys()].filter((c) => c !== best && c !== 'numbered' && !(best === 'pop' && c === 'golang-migrate'));
    chosen.set(folder, { convention: best, count: m.get(best)!.length, others });
  }

  // Assign files to sets.
  const sets = new Map<string, MigrationSet>();
  const assigned = new Map<string, { set: MigrationSet; c: Candidate }>();
  for (const [rel, list] of cands) {
    let pick: Candidate | undefined;
    for (const c of list) {
      const ch = chosen.get(c.folder);
      if (ch && ch.convention === c.convention) { pick = c; break; }
    }
    if (!pick) continue;
    let set = sets.get(pick.folder);
    if (!set) {
      const ch = chosen.get(pick.folder)!;
      set = {
        folder: pick.folder, convention: ch.convention, keepsDown: false, files: [], warnings: [],
        detectedBy: options.convention === ch.convention ? 'migrations.convention in .dbe.json' : `${ch.count} file${ch.count === 1 ? '' : 's'} named as ${ch.convention} names them`,
      };
      sets.set(pick.folder, set);
    }
    assigned.set(rel, { set, c: pick });
  }

  // Full schema files beside versioned folders (temporal's schema.sql next to versioned/): a second install path.
  const installAlt = new Map<string, string>();
  // Likewise a dump (schema.sql, structure.sql) in a folder that holds a migration set (dbmate's db/schema.sql).
  for (const f of inputs) {
    if (assigned.has(f.rel) || !/^(schema|structure)\.sql$/i.test(base(f.rel))) continue;
    const home = dir(f.rel);
    for (const set of sets.values()) {
      if (set.convention === 'rails-structure') continue;
      if (home === '' || set.folder === home || set.folder.startsWith(home + '/') || (set.convention === 'versioned-folders' && dir(set.folder) === home)) { installAlt.set(f.rel, set.folder); break; }
    }
  }

  const planned = new Map<string, PlannedFile>();
  const transactional = !!options.transactional;
  for (const f of inputs) {
    const a = assigned.get(f.rel);
    const text = texts.get(f.rel) ?? '';
    if (!a) {
      const alt = installAlt.get(f.rel);
      if (alt) {
        planned.set(f.rel, { rel: f.rel, role: 'install-alternative', wraps: transactional, oneQuery: false, why: `a full schema beside the migrations of ${alt}/: a second install path, judged on an empty database, not replayed` });
      } else {
        const down = /(^|[\/._-])down\.sql$/i.test(f.rel) || /(^|\/)U\d[^\/]*__[^\/]*\.sql$/.test(f.rel);
        planned.set(f.rel, { rel: f.rel, role: down ? 'down' : 'plain', wraps: transactional, oneQuery: false, why: down ? 'named as a rollback' : 'no migration tool recognised: path order' });
      }
      continue;
    }
    const { set, c } = a;
    const p: PlannedFile = { rel: f.rel, role: c.role, version: c.version, wraps: transactional, oneQuery: false, why: c.why };
    switch (set.convention) {
      // pop runs each migration in a transaction; sqitch runs the script with psql and adds none (its
      // templates write BEGIN ... COMMIT in the script, which the engine sees)
      case 'pop': p.wraps = transactional || !/\.autocommit\.(up|down)\.sql$/i.test(f.rel); break;
      // postgrator sends the whole file as one query
      case 'postgrator': p.oneQuery = true; break;
      // Flyway runs a file holding CONCURRENTLY outside a transaction on its own (its PostgreSQL parser
      // detects it); Diesel when the migration's metadata.toml says run_in_transaction = false, which
      // is not a .sql file and is not read: a file that uses CONCURRENTLY is taken to have said so.
      case 'flyway': case 'diesel': p.wraps = transactional || !/\bconcurrently\b/i.test(text); break;
      case 'golang-migrate': p.oneQuery = true; break;
      case 'prisma': p.oneQuery = true; break;
      // Supabase CLI sends a file's statements as one batch (pgconn pipeline, one Sync): one implicit
      // transaction (supabase/cli pkg/migration/file.go; maintainers in supabase/cli#2898)
      case 'supabase': p.oneQuery = true; break;
      case 'goose': {
        p.wraps = transactional || !GOOSE_NOTX_RE.test(text);
        const up = offsetOf(GOOSE_UP_RE, text), down = offsetOf(GOOSE_DOWN_RE, text);
        if (up !== undefined) p.upFrom = up;
        if (down !== undefined && (up === undefined || down > up)) p.downFrom = down;
        else if (down !== undefined) set.warnings.push(`${f.rel}: the Down section comes before the Up section; only the Up section is replayed`), p.downFrom = down;
        break;
      }
      case 'dbmate': {
        const upm = DBMATE_UP_RE.exec(text);
        // the up section is sent as one Exec: without its transaction it is still one implicit transaction
        p.wraps = transactional || !/transaction\s*:\s*false/i.test(upm?.[1] ?? '');
        p.oneQuery = !p.wraps;
        if (upm) p.upFrom = upm.index;
        const down = offsetOf(DBMATE_DOWN_RE, text);
        if (down !== undefined) p.downFrom = down;
        break;
      }
      default: break;
    }
    if (c.role === 'repeatable' || c.role === 'verify' || c.role === 'other-dialect' || c.role === 'reworked') p.wraps = transactional || (set.convention === 'flyway' && p.wraps);
    planned.set(f.rel, p);
    set.files.push(p);
  }

  // Order and pair each set.
  let sqitchRank: Map<string, number> | undefined;
  const roleRank = (r: FileRole) => (r === 'up' ? 0 : r === 'down' ? 1 : r === 'other-dialect' ? 2 : r === 'verify' ? 3 : 4);
  for (const set of sets.values()) {
    set.keepsDown = KEEPS_DOWN.has(set.convention) || set.files.some((f) => f.role === 'down');
    sqitchRank = undefined;
    const sqitchPlan = set.convention === 'sqitch' ? options.sqitchPlans?.get(set.folder) : undefined;
    if (sqitchPlan !== undefined) {
      const deployed = new Set(set.files.filter((f) => /^sqitch deploy\//.test(assigned.get(f.rel)!.c.why)).map((f) => (assigned.get(f.rel)!.c.pairKey ?? '').replace(/\.sql$/i, '')));
      const order = sqitchOrder(sqitchPlan, (change) => deployed.has(change));
      sqitchRank = new Map(order.map((c, i) => [c, i] as const));
      // the plan decides what is deployed: a reworked copy it names is a forward step, a script it does not name is not run
      for (const f of set.files) {
        const c = assigned.get(f.rel)!.c;
        const change = (c.pairKey ?? '').replace(/\.sql$/i, '');
        const kind = /^sqitch (deploy|revert|verify)\//.exec(c.why)?.[1];
        if (!sqitchRank.has(change)) {
          if (kind === 'deploy') { f.role = 'ignored'; f.why = 'a sqitch deploy script sqitch.plan does not name: not deployed'; }
        } else if (f.role === 'reworked') {
          f.role = kind === 'deploy' ? 'up' : kind === 'revert' ? 'down' : 'verify';
          f.why = `sqitch ${kind}/, an earlier instance of a reworked change (sqitch.plan)`;
        }
      }
    }
    const key = (f: PlannedFile) => assigned.get(f.rel)!.c.pairKey;
    set.files.sort((x, y) => {
      if (x.role === 'repeatable' || y.role === 'repeatable') {
        if (x.role !== y.role) return x.role === 'repeatable' ? 1 : -1;
        return x.rel < y.rel ? -1 : x.rel > y.rel ? 1 : 0;
      }
      // dbmate sorts its files by name, as strings
      if (set.convention === 'dbmate') return base(x.rel) < base(y.rel) ? -1 : base(x.rel) > base(y.rel) ? 1 : 0;
      if (x.version !== undefined && y.version !== undefined) {
        const v = compareParts(partsOf(x.version), partsOf(y.version));
        if (v) return v;
      }
      // sqitch: changes in sqitch.plan order (path order without it); deploy/x, then revert/x, verify/x
      if (set.convention === 'sqitch') {
        const kx = key(x) ?? '', ky = key(y) ?? '';
        if (kx !== ky) {
          const rx = sqitchRank?.get(kx.replace(/\.sql$/i, '')), ry = sqitchRank?.get(ky.replace(/\.sql$/i, ''));
          if (rx !== undefined || ry !== undefined) return (rx ?? Infinity) - (ry ?? Infinity) || (kx < ky ? -1 : 1);
          return kx < ky ? -1 : 1;
        }
      }
      const r = roleRank(x.role) - roleRank(y.role);
      if (r) return r;
      const px = pathKey(x.rel), py = pathKey(y.rel);
      return px < py ? -1 : px > py ? 1 : 0;
    });
    // Pairing: by version (golang-migrate, pop, Flyway U/V), by directory (Diesel), by name (sqitch).
    const ups = new Map<string, PlannedFile[]>();
    for (const f of set.files) {
      const k = key(f);
      if (f.role === 'up' && k !== undefined) {
        let l = ups.get(k);
        if (!l) ups.set(k, (l = []));
        l.push(f);
      }
    }
    for (const f of set.files) {
      const k = key(f);
      if (f.role !== 'down' || k === undefined) continue;
      const l = ups.get(k);
      if (!l?.length) { set.warnings.push(`${f.rel}: a rollback without an up migration of the same ${set.convention === 'sqitch' ? 'name' : 'version'}`); continue; }
      f.undoes = l[0].rel;
      for (const u of l) u.downFile ??= f.rel;
    }
    // pop: a down file without a dialect (X.down.sql) undoes X for every dialect, MySQL's too
    if (set.convention === 'pop') {
      for (const f of set.files) {
        const k = key(f);
        if (f.role !== 'down' || k === undefined || /\.(postgres|mysql|sqlite3|cockroach)\.(autocommit\.)?down\.sql$/i.test(f.rel)) continue;
        for (const u of ups.get(`mysql:${k}`) ?? []) u.downFile ??= f.rel;
      }
    }
    // Ambiguities
    const seen = new Map<string, string>();
    for (const f of set.files) {
      if (f.role !== 'up' || f.version === undefined) continue;
      if (set.convention === 'versioned-folders' || set.convention === 'sqitch') continue;
      const norm = versionParts(f.version).join('.');
      const prev = seen.get(norm);
      if (prev) set.warnings.push(`${prev} and ${f.rel} have the same version ${f.version}: ${set.convention} refuses or runs only one of them; their order here is by path`);
      else seen.set(norm, f.rel);
    }
    const ch = chosen.get(set.folder);
    if (ch?.others.length) set.warnings.push(`files of another convention (${ch.others.join(', ')}) are mixed into ${set.folder || '.'}/: they are read as ${set.convention} files or in path order`);
    if (set.convention === 'sqitch' && sqitchPlan === undefined) set.warnings.push('no sqitch.plan read: deploy scripts are replayed in path order');
    if (sqitchPlan !== undefined) {
      const ignored = set.files.filter((f) => f.role === 'ignored').length;
      if (ignored) set.warnings.push(`${ignored} deploy script${ignored === 1 ? '' : 's'} not named in sqitch.plan: not replayed`);
    }
    if (set.convention === 'versioned-folders' && set.files.some((f, i) => i > 0 && set.files[i - 1].version === f.version)) {
      set.warnings.push('several files in one version folder: replayed in path order (the tool\'s manifest.json, which lists their order, is not read)');
    }
    if (order !== 'tool') {
      const byPath = [...set.files].sort((x, y) => (pathKey(x.rel) < pathKey(y.rel) ? -1 : 1));
      const natural = [...set.files].sort((x, y) => pathKey(x.rel).localeCompare(pathKey(y.rel), 'en', { numeric: true }));
      const mine = order === 'path' ? byPath : natural;
      const tool = set.files;
      if (mine.some((f, i) => f !== tool[i])) {
        const i = mine.findIndex((f, j) => f !== tool[j]);
        set.warnings.push(`migrations.order "${order}" replays ${mine[i].rel} where ${set.convention} runs ${tool[i].rel} (numbers of different widths?): remove migrations.order to follow the tool`);
      }
    }
  }

  // Files in a set's folder that its tool does not run (golang-migrate skips names it cannot parse).
  for (const f of inputs) {
    const p = planned.get(f.rel)!;
    if (assigned.has(f.rel) || p.role !== 'plain') continue;
    const set = sets.get(dir(f.rel));
    if (set && IGNORES_OTHERS.has(set.convention)) {
      p.role = 'ignored';
      p.why = `not named as ${set.convention} names migrations: the tool does not run it; not replayed`;
      set.warnings.push(`${f.rel} is not named as a ${set.convention} migration: the tool does not run it, so it is not replayed`);
    } else if (set && set.convention !== 'rails-structure') {
      p.why = `not named as ${set.convention} names migrations: the tool may not run it; replayed in path order`;
      set.warnings.push(`${f.rel} is not named as a ${set.convention} migration: replayed in path order, which may not be what the tool does`);
    }
  }

  // A set whose every forward step is, by name and text, a step of another, larger set is a copy of
  // those migrations (kratos keeps ory/x's networkx migrations in oryx/ and runs its own copy of them
  // from persistence/sql): replaying both fails with "already exists"; only the larger set's run.
  const stepKey = (f: PlannedFile) => `${f.rel.slice(f.rel.lastIndexOf('/') + 1)}\u0000${texts.get(f.rel) ?? ''}`;
  for (const s of sets.values()) {
    const ups = s.files.filter((f) => f.role === 'up');
    if (!ups.length) continue;
    const other = [...sets.values()].find((o) => {
      if (o === s) return false;
      const theirs = new Set(o.files.filter((f) => f.role === 'up').map(stepKey));
      return theirs.size > ups.length && ups.every((u) => theirs.has(stepKey(u)));
    });
    if (!other) continue;
    for (const f of s.files) {
      if (f.role !== 'up' && f.role !== 'down') continue;
      f.role = 'ignored';
      f.why = `the same migration as one in ${other.folder || '.'}/ (a copy): replayed once, from there`;
    }
    s.warnings.push(`every migration here is also in ${other.folder || '.'}/ (a copy, e.g. a library's migrations the project runs as its own): replayed once, from there`);
  }

  // The whole order: each set as a block at its first file's path position; then the other files by path.
  const setOf = (rel: string) => assigned.get(rel)?.set;
  const anchor = new Map<MigrationSet, string>();
  for (const set of sets.values()) anchor.set(set, set.files.map((f) => pathKey(f.rel)).sort()[0]);
  let all: PlannedFile[];
  if (order === 'tool') {
    const items: { key: string; files: PlannedFile[] }[] = [];
    for (const set of sets.values()) items.push({ key: anchor.get(set)!, files: set.files });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Files outside every migration set (functions, views, triggers, seeds kept apart, like lemmy's
    // replaceable_schema or Supabase's seed.sql) run against the schema the migrations built: after them
    const rest = [...planned.values()].filter((p) => !setOf(p.rel)).sort((a, b) => (pathKey(a.rel) < pathKey(b.rel) ? -1 : 1));
    all = [...items.flatMap((i) => i.files), ...rest];
  } else {
    all = [...planned.values()].sort((a, b) => {
      const ka = pathKey(a.rel), kb = pathKey(b.rel);
      if (order === 'natural') return ka.localeCompare(kb, 'en', { numeric: true });
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }
  const setList = [...sets.values()].sort((a, b) => (anchor.get(a)! < anchor.get(b)! ? -1 : 1));
  if (order !== 'tool') for (const s of setList) s.files = all.filter((f) => setOf(f.rel) === s);
  return { order, sets: setList, files: all };
}

/** Tools that skip files whose names they cannot parse (golang-migrate source/parse.go; Supabase CLI `^([0-9]+)_(.*)\.sql$`). */
const IGNORES_OTHERS: ReadonlySet<ToolConvention> = new Set(['golang-migrate', 'supabase']);

/** One line per set (and its warnings) for `dbe lint --verbose`. */
export function describePlan(plan: MigrationPlan): string[] {
  const out: string[] = [];
  if (!plan.sets.length) out.push(`migrations: no migration tool recognised; ${counted(plan.files.length, 'file')} replayed in ${plan.order === 'natural' ? 'natural' : 'path'} order`);
  for (const s of plan.sets) {
    const count = (r: FileRole) => s.files.filter((f) => f.role === r).length;
    const parts = [`${count('up')} up`];
    if (count('down')) parts.push(`${count('down')} down`);
    for (const r of ['repeatable', 'verify', 'other-dialect', 'reworked', 'ignored'] as FileRole[]) if (count(r)) parts.push(`${count(r)} ${r}`);
    const first = s.files.find((f) => f.role === 'up'), last = [...s.files].reverse().find((f) => f.role === 'up');
    const short = (rel: string) => (s.folder && rel.startsWith(s.folder + '/') ? rel.slice(s.folder.length + 1) : rel);
    out.push(`migrations: ${s.folder || '.'}/ is ${s.convention} (${s.detectedBy}): ${parts.join(', ')}${first && last ? `; replayed from ${short(first.rel)} to ${short(last.rel)}` : ''}${plan.order !== 'tool' ? ` in ${plan.order} order (migrations.order)` : ''}`);
    for (const w of s.warnings) out.push(`migrations: ${s.folder || "."}/: warning: ${w}`);
    // every file in the order it is replayed, so the order can be checked, not only its ends
    s.files.forEach((f, i) => out.push(`migrations:   ${String(i + 1).padStart(String(s.files.length).length)}. ${short(f.rel)} (${f.role}${f.version ? `, version ${f.version}` : ''})`));
  }
  for (const f of plan.files) if (f.role === 'install-alternative') out.push(`migrations: ${f.rel} is not replayed: ${f.why}`);
  return out;
}
