// The other-dialect notice over the whole corpus (../shared/corpus; slow: every file is split and
// parsed): no PostgreSQL file gets it, most MySQL files do. Skipped, saying so, when the corpus is absent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseStatement } from '../../server/src/sql/parse';
import { splitStatements } from '../../server/src/sql/split';
import { detectDialect } from '../../server/src/sql/dialect';
import { ROOT } from '../lspClient';
import { ready } from '../helpers';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

function listSql(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listSql(p, out);
    else if (e.isFile() && e.name.toLowerCase().endsWith('.sql')) out.push(p);
  }
  return out;
}

function guess(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  const spans = splitStatements(text).statements.map((s) => ({ start: s.start, end: s.end, error: !s.templated && !!parseStatement(s.text).error }));
  return detectDialect(text, spans);
}

const skip = fs.existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}`;

describe('other-dialect over the corpus', () => {
  test('no PostgreSQL file of the corpus gets the notice', { skip }, async () => {
    await ready();
    const files = fs.readdirSync(CORPUS).filter((d) => d !== 'mysql' && fs.statSync(path.join(CORPUS, d)).isDirectory()).flatMap((d) => listSql(path.join(CORPUS, d)));
    assert.ok(files.length > 1000);
    const hits = files.filter((f) => fs.statSync(f).size < 2_000_000 && guess(f));
    assert.deepEqual(hits, []);
  });

  test('most MySQL files of the corpus get it (the rest have no clear sign, or only weak ones)', { skip }, async () => {
    await ready();
    const files = listSql(path.join(CORPUS, 'mysql'));
    const named = files.map(guess).filter((g) => g);
    assert.ok(named.every((g) => g!.name === 'MySQL'));
    assert.ok(named.length * 2 > files.length, `${named.length} of ${files.length}`);
  });
});
