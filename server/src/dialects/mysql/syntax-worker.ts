// The MySQL grammar's bundle, dist/mysql-syntax-worker.js. Two uses of one file:
// - a worker thread of the language server (started by syntax.ts with workerData.dbeMySqlSyntax):
//   receives { jobs: {text, flavor}[] } and answers { verdicts: (error | null)[] } in the same order;
// - a module the CLI requires for inline checks (exports checkMySqlGrammar).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkMySqlGrammar, type MySqlFlavor } from './grammar';

export { checkMySqlGrammar };

if (!isMainThread && parentPort && workerData && (workerData as any).dbeMySqlSyntax) {
  const port = parentPort;
  port.on('message', (m: { jobs?: { text: string; flavor: MySqlFlavor }[] }) => {
    const jobs = Array.isArray(m?.jobs) ? m.jobs : [];
    const verdicts = jobs.map((j) => {
      try {
        return checkMySqlGrammar(String(j.text), j.flavor === 'mariadb' ? 'mariadb' : 'mysql');
      } catch {
        return null; // a fault of the parser: silent
      }
    });
    port.postMessage({ verdicts });
  });
}
