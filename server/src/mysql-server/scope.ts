// Which statements a server check must not send. Two kinds:
// - on every server (the local throwaway one included): statements that reach the machine or the
//   network rather than the database (files: LOAD DATA, INTO OUTFILE, LOAD_FILE, DATA DIRECTORY;
//   plugins; other servers: FEDERATED/CONNECT/SPIDER tables, CREATE SERVER, replication; SHUTDOWN),
//   and client commands (SOURCE, SYSTEM) that are not SQL at all;
// - on a server the user names: anything that would reach outside the throwaway database (another
//   database by name, USE, CREATE/DROP DATABASE, accounts and privileges, global settings, server
//   caches and logs, scheduled events, dynamic SQL whose text cannot be read beforehand, named locks).
// Reading is done on the lexer's tokens, so names inside strings and comments do not count. A
// statement refused here is reported as "not checked", never run.
import { lex, type MyToken } from '../dialects/mysql/lex';

export interface ScopeContext {
  /** True for a server the user named: its other databases must stay untouched. */
  named: boolean;
  /** Databases of the server other than the throwaway one, lower-case (the system schemas included). */
  otherDatabases: ReadonlySet<string>;
}

export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const NETWORK_ENGINES = new Set(['FEDERATED', 'FEDERATEDX', 'CONNECT', 'SPIDER']);
/** Statement heads a check sends to a named server (the allow-list; see outsideReason). */
const NAMED_HEADS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'SELECT', 'WITH', 'SET', 'START', 'BEGIN',
  'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'LOCK', 'UNLOCK', 'ANALYZE', 'OPTIMIZE', 'CHECK', 'CHECKSUM', 'REPAIR', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'VALUES', 'TABLE']);
/** What CREATE / ALTER / DROP may name on a named server: no DATABASE, USER, SERVER, nor bodies (PROCEDURE, FUNCTION, TRIGGER, EVENT). */
const NAMED_OBJECTS = new Set(['TABLE', 'TEMPORARY', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'VIEW', 'ONLINE', 'OFFLINE', 'IGNORE', 'SEQUENCE']);
const GLOBAL_HEADS = new Set(['GRANT', 'REVOKE', 'FLUSH', 'RESET', 'PURGE', 'KILL', 'BINLOG']);

const isName = (t: MyToken | undefined) => !!t && (t.kind === 'word' || t.kind === 'quoted');
const isOp = (t: MyToken | undefined, v: string) => !!t && t.kind === 'op' && t.value === v;

/**
 * Why `text` (one statement) must not be sent, as the end of the sentence "not checked: …"; undefined
 * when it may run.
 */
export function outsideReason(text: string, ctx: ScopeContext, lexed?: MyToken[]): string | undefined {
  const head = /^\s*(\\\.|\\!|source\b|system\b)/i.exec(text);
  if (head) return `${head[1]} is a command of the mysql client, not SQL`;
  const tokens = lexed ?? lex(text).tokens;
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.upper);
  const w = (i: number) => tokens[i]?.kind === 'word' ? tokens[i].upper : '';
  const first = w(0), second = w(1);
  // --- the machine and the network, on every server
  if (first === 'LOAD' && (second === 'DATA' || second === 'XML')) return 'LOAD DATA reads files, which a check must not do';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word') continue;
    if (t.upper === 'INTO' && (w(i + 1) === 'OUTFILE' || w(i + 1) === 'DUMPFILE')) return `INTO ${w(i + 1)} writes a file, which a check must not do`;
    if (t.upper === 'LOAD_FILE' && isOp(tokens[i + 1], '(')) return 'LOAD_FILE reads a file of the server, which a check must not do';
    if (t.upper === 'SONAME') return 'SONAME loads code into the server';
    if (t.upper === 'DIRECTORY' && (w(i - 1) === 'DATA' || w(i - 1) === 'INDEX')) return `${w(i - 1)} DIRECTORY puts files outside the server's data directory`;
    if (t.upper === 'ENGINE') {
      const e = isOp(tokens[i + 1], '=') ? tokens[i + 2] : tokens[i + 1];
      if ((isName(e) || e?.kind === 'string') && NETWORK_ENGINES.has(e!.value.toUpperCase())) return `a ${e!.value.toUpperCase()} table connects to another server`;
    }
  }
  if ((first === 'INSTALL' || first === 'UNINSTALL') && (second === 'PLUGIN' || second === 'SONAME')) return `${first} ${second} loads code into the server`;
  if ((first === 'CREATE' || first === 'ALTER' || first === 'DROP') && second === 'SERVER') return `${first} SERVER defines a connection to another server`;
  if (first === 'CHANGE' && (second === 'MASTER' || second === 'REPLICATION')) return 'replication settings connect to another server';
  if ((first === 'START' || first === 'STOP') && (second === 'SLAVE' || second === 'REPLICA' || second === 'ALL')) return 'replication connects to another server';
  if (first === 'SHUTDOWN' || first === 'RESTART') return `${first} stops the server`;
  if (!ctx.named) return undefined;
  // --- outside the throwaway database, on a named server
  const outside = 'it would reach outside the throwaway database';
  if (first === 'USE') return `USE switches to another database; ${outside}`;
  const dbObject = (k: number) => w(k) === 'DATABASE' || w(k) === 'SCHEMA';
  if ((first === 'CREATE' || first === 'DROP' || first === 'ALTER' || first === 'RENAME') && (dbObject(1) || (w(1) === 'OR' && dbObject(3)))) return `${first} ${w(1) === 'OR' ? w(3) : second}: ${outside}`;
  if (GLOBAL_HEADS.has(first)) return `${first}: ${outside}`;
  if ((first === 'CREATE' || first === 'DROP' || first === 'ALTER' || first === 'RENAME') && (second === 'USER' || second === 'ROLE' || (second === 'OR' && (w(3) === 'USER' || w(3) === 'ROLE')))) return `${first} ${second === 'OR' ? w(3) : second}: ${outside}`;
  if ((first === 'CREATE' || first === 'ALTER' || first === 'DROP') && (second === 'TABLESPACE' || second === 'LOGFILE' || second === 'INSTANCE')) return `${first} ${second}: ${outside}`;
  if (first === 'ALTER' && second === 'INSTANCE') return `ALTER INSTANCE: ${outside}`;
  if (first === 'CACHE' || (first === 'LOAD' && second === 'INDEX')) return `${first} ${second}: ${outside}`;
  if (first === 'SET') {
    if (second === 'GLOBAL' || second === 'PERSIST' || second === 'PERSIST_ONLY' || second === 'PASSWORD' || second === 'ROLE' || (second === 'DEFAULT' && w(2) === 'ROLE')) return `SET ${second}: ${outside}`;
    for (let i = 1; i < tokens.length; i++) {
      if (tokens[i].kind === 'word' && (tokens[i].upper === 'GLOBAL' || tokens[i].upper === 'PERSIST') && isOp(tokens[i - 1], ',')) return `SET ${tokens[i].upper}: ${outside}`;
    }
  }
  for (const t of tokens) if (t.kind === 'variable' && /^@@(global|persist)/i.test(t.value)) return `${t.value} is a server-wide setting; ${outside}`;
  // events run later, on their own, as long as the database lives
  if (words.slice(0, 8).includes('EVENT') && (first === 'CREATE' || first === 'ALTER')) return `${first} EVENT schedules statements on the server; ${outside}`;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'word') {
      if (t.upper === 'EXECUTE' || (t.upper === 'PREPARE' && (w(i + 2) === 'FROM' || isName(tokens[i + 1])))) return `${t.upper} runs SQL built at run time, which cannot be read beforehand; it could reach outside the throwaway database`;
      if ((t.upper === 'GET_LOCK' || t.upper === 'RELEASE_LOCK' || t.upper === 'RELEASE_ALL_LOCKS') && isOp(tokens[i + 1], '(')) return `${t.upper} takes a server-wide lock; ${outside}`;
    }
    // db.table, db.table.column, db.* : the first part of a qualified name that is another database
    if (isName(t) && isOp(tokens[i + 1], '.') && !isOp(tokens[i - 1], '.') && ctx.otherDatabases.has(t.value.toLowerCase())) {
      return `it names the database ${t.value}; ${outside}`;
    }
  }
  // SHOW TABLES FROM other, SHOW CREATE DATABASE other ...
  if (first === 'SHOW') {
    for (const t of tokens) if (isName(t) && ctx.otherDatabases.has(t.value.toLowerCase())) return `it names the database ${t.value}; ${outside}`;
  }
  // The server is the user's: only statements whose whole effect is known to stay inside the
  // throwaway database are sent (an allow-list). A statement that holds other statements (a
  // compound BEGIN ... END, a routine, trigger or event body, SET STATEMENT ... FOR, IF/CASE blocks)
  // could reach anywhere, so it is not sent at all.
  const ok = NAMED_HEADS.has(first)
    && !((first === 'CREATE' || first === 'ALTER' || first === 'DROP') && !NAMED_OBJECTS.has(second === 'OR' ? w(3) : second))
    && !(first === 'SET' && second === 'STATEMENT')
    && !(first === 'BEGIN' && tokens.length > 1 && !(w(1) === 'WORK' && tokens.length === 2) && !(tokens.length === 2 && isOp(tokens[1], ';')));
  if (!ok) return `${first || 'this statement'}${second ? ` ${second}` : ''} is not among the statements a check sends to a server you named (it may hold other statements): it could reach outside the throwaway database`;
  return undefined;
}

/** The database a `USE` statement switches to (local server: created when missing), else undefined. */
export function useTarget(text: string, lexed?: MyToken[]): string | undefined {
  const tokens = lexed ?? lex(text).tokens;
  if (tokens[0]?.kind === 'word' && tokens[0].upper === 'USE' && isName(tokens[1])) return tokens[1].value;
  return undefined;
}
