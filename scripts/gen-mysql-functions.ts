// Generates server/src/dialects/mysql/functions.json, the MySQL / MariaDB built-in functions that
// completion and signature help offer on MySQL files, from MariaDB's own help tables
// (mysql.help_topic / help_category, filled by mariadb-install-db from fill_help_tables.sql) of a
// throwaway server: a data directory under a temp folder, its own socket, no network, stopped at the
// end. Run once per MariaDB upgrade: `node --import tsx scripts/gen-mysql-functions.ts` (needs
// mariadbd, mariadb-install-db and mariadb on the PATH, as Debian's mariadb-server installs them).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MySqlFunction { name: string; category: string; syntax: string; doc: string }

/** Help categories that hold functions (not statements, data types or plugins). */
const FUNCTION_CATEGORY = /functions?|operators?$|^(Aggregate|Window|Geographic|JSON|Sequences|Dynamic Columns)/i;
/** Topics of those categories that are operators or statements, not callable functions. */
const CALLABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mysql-functions-'));
  const data = path.join(dir, 'data'), sock = path.join(dir, 'sock');
  const user = os.userInfo().username;
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--user=${user}`], { stdio: 'ignore' });
  const server = spawn('mariadbd', ['--no-defaults', `--datadir=${data}`, `--socket=${sock}`, '--skip-networking', `--pid-file=${path.join(dir, 'pid')}`, `--user=${user}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    const sql = `SELECT t.name, c.name, REPLACE(REPLACE(t.description, '\\t', ' '), '\\n', '\\\\n') FROM mysql.help_topic t JOIN mysql.help_category c ON c.help_category_id = t.help_category_id ORDER BY t.name`;
    const out = execFileSync('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '-N', '-B', '-r', '-e', sql], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const fns = new Map<string, MySqlFunction>();
    for (const line of out.split('\n')) {
      const [topic, category, desc] = line.split('\t');
      // "DATE FUNCTION", "IF Function": the topic of a function whose name is also a statement or type
      const name = topic?.replace(/\s+function$/i, '');
      if (!name || !desc || !FUNCTION_CATEGORY.test(category) || !CALLABLE.test(name)) continue;
      const text = desc.replace(/\\n/g, '\n');
      // "Syntax\n------\nCONCAT(str1,str2,...)\n\nDescription\n-----------\nReturns the string ..."
      const syn = /Syntax\s*\n-+\s*\n([\s\S]*?)\n\s*\n/.exec(text)?.[1]?.split('\n').find((l) => l.trim().toUpperCase().startsWith(name.toUpperCase() + '('))?.trim();
      if (!syn) continue;
      const body = /Description\s*\n-+\s*\n([\s\S]*?)(?:\n\s*\n|$)/.exec(text)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
      const doc = (/^(.*?[.!?])(?:\s|$)/.exec(body)?.[1] ?? body).slice(0, 240);
      const key = name.toLowerCase();
      if (!fns.has(key)) fns.set(key, { name: key, category, syntax: syn.replace(/\s+/g, ' '), doc });
    }
    const list = [...fns.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const target = path.join(__dirname, '..', 'server', 'src', 'dialects', 'mysql', 'functions.json');
    fs.writeFileSync(target, JSON.stringify(list, null, 0).replace(/\},\{/g, '},\n{') + '\n');
    console.log(`${list.length} functions from MariaDB ${execFileSync('mariadbd', ['--version'], { encoding: 'utf8' }).trim()} -> ${path.relative(process.cwd(), target)}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; });
