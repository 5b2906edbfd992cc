// mysql2, loaded only when a MySQL server is used. In the bundles (dist/cli.js, dist/server.js) it is
// not inlined (1.5 MB that every `dbe` start would parse: +10% on `dbe --version` measured here); it
// is its own bundle, dist/mysql2.js, required on first use. From sources (tsx) it is node_modules'.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type MySqlDriver = typeof import('mysql2/promise');

let driver: Promise<MySqlDriver> | undefined;

export function loadMySqlDriver(): Promise<MySqlDriver> {
  if (!driver) {
    const beside = path.join(__dirname, 'mysql2.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    driver = fs.existsSync(beside) ? Promise.resolve(require(beside) as MySqlDriver) : import('mysql2/promise');
  }
  return driver;
}
