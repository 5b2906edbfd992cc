// The floor of the MySQL syntax check: no syntax error on any statement of the corpus files MariaDB
// 10.11 accepts (../shared/corpus/mysql/valid.tsv says `ok`), in both flavors; and the files it refuses
// are counted: the check finds the error of each on the server's line (flavor mariadb).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitMySql } from '../../server/src/dialects/mysql/split';
import { mySqlSyntax, setMySqlSyntaxMode } from '../../server/src/dialects/mysql/syntax';
import { grammarStats } from '../../server/src/dialects/mysql/grammar';
import { ROOT } from '../lspClient';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus', 'mysql');
const present = fs.existsSync(path.join(CORPUS, 'valid.tsv'));
const skip = present ? false : `corpus not found at ${CORPUS}`;

function rows(): [string, string][] {
  return fs.readFileSync(path.join(CORPUS, 'valid.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t') as [string, string]);
}

for (const flavor of ['mariadb', 'mysql'] as const) {
  test(`no syntax error on the ${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} flavor's check of every statement MariaDB accepts`, { skip, timeout: 30 * 60_000 }, () => {
    setMySqlSyntaxMode('sync');
    let statements = 0;
    const wrong: string[] = [];
    for (const [file, verdict] of rows()) {
      if (verdict !== 'ok') continue;
      for (const s of splitMySql(fs.readFileSync(path.join(CORPUS, file), 'utf8')).statements) {
        statements++;
        const e = mySqlSyntax(s.text, flavor);
        if (e) wrong.push(`${file}: ${e.message} in ${JSON.stringify(s.text.slice(Math.max(0, e.offset - 40), e.offset + 40))}`);
      }
    }
    console.log(`# ${flavor}: ${statements} statements, ${wrong.length} syntax errors; given up so far: ${grammarStats.timeouts} over the time budget, ${grammarStats.tooDeep} nested too deep`);
    assert.ok(statements > 6000, `the corpus holds ${statements} statements`);
    assert.deepEqual(wrong, []);
  });
}

test('the files MariaDB refuses: each error is found, on the server\'s line', { skip, timeout: 10 * 60_000 }, () => {
  const found: string[] = [];
  const refused = rows().filter(([, v]) => v !== 'ok');
  assert.equal(refused.length, 6);
  for (const [file, verdict] of refused) {
    const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
    const serverLine = Number(/at line (\d+)/.exec(verdict)?.[1]);
    for (const s of splitMySql(text).statements) {
      const e = mySqlSyntax(s.text, 'mariadb');
      if (!e) continue;
      const line = text.slice(0, s.start + e.offset).split('\n').length;
      if (line === serverLine) { found.push(file); break; }
    }
  }
  console.log(`# MariaDB refuses ${refused.length} files; the check finds the error on the server's line in ${found.length}`);
  // the two `DROP INDEX name;` (no ON table), the two `execute java …` lines, and the two
  // `CAST(… AS json)` (MySQL 8 syntax that MariaDB refuses)
  assert.equal(found.length, 6, found.join('\n'));
});
