// Formatting (engine/format.ts): sql-formatter statement by statement behind a safety net. What a user
// sees: the statements that can be formatted safely are, everything else (statements the check
// rejects, text between statements) stays byte for byte; formatting twice changes nothing.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeConfig, defaultConfig, ConfigError } from '../server/src/config';
import { applyFormatEdits, defaultFormatOptions, formatSql, formatStatement, type FormatOptions } from '../server/src/engine/format';
import { ready, ROOT } from './helpers';

before(ready);

const opts = (o: Partial<FormatOptions> = {}): FormatOptions => ({ ...defaultFormatOptions(), ...o });
const format = (text: string, o: Partial<FormatOptions> = {}, range?: { start: number; end: number }) => {
  const r = formatSql(text, opts(o), range);
  return { ...r, text: applyFormatEdits(text, r.edits) };
};

describe('formatting a file', () => {
  test('formats a query and keeps the comment above it', () => {
    const r = format('-- the report\nselect id, email from users where id = $1 order by email;\n');
    assert.equal(r.text, '-- the report\nselect\n  id,\n  email\nfrom\n  users\nwhere\n  id = $1\norder by\n  email;\n');
    assert.equal(r.edits.length, 1);
  });

  test('text between statements stays byte for byte: goose annotations, psql meta-commands, COPY data, blank lines', () => {
    const between = [
      '-- +goose Up\n-- +goose StatementBegin\n',
      '\n\n\\set ON_ERROR_STOP on\n  /* block */  \n',
      '\n1\tone\n2\ttwo\n\\.\n-- +goose StatementEnd\n\n',
    ];
    const text = `${between[0]}select a,b from t;${between[1]}copy t (a, b) from stdin;${between[2]}`;
    const r = format(text);
    assert.ok(r.edits.length >= 1, 'the SELECT is formatted');
    for (const b of between) assert.ok(r.text.includes(b), `kept: ${JSON.stringify(b)}`);
    assert.ok(r.text.includes('select\n  a,\n  b\nfrom\n  t;'));
  });

  test('a statement with a syntax error is left exactly as written; the others are formatted', () => {
    const bad = 'selec  id  from users;';
    const r = format(`select id from users;\n${bad}\nselect 1 , 2;\n`);
    assert.ok(r.text.includes(`\n${bad}\n`));
    assert.deepEqual(r.left.map((l) => l.reason), ['syntax-error']);
    assert.equal(r.edits.length, 2);
  });

  test('an empty statement (a lone ;) is nothing to format, not a syntax error', () => {
    const r = format('select 1;\n;\n/* only */ ;\n');
    assert.equal(r.text, 'select\n  1;\n;\n/* only */ ;\n');
    assert.deepEqual(r.left, []);
    assert.equal(r.unchanged, 2);
  });

  test('template placeholders and psql variables: left as written', () => {
    const text = 'create table {{ index .Options "Namespace" }}.users (id int);\nselect * from t where id = :id;\nselect   :\'name\';\n';
    const r = format(text);
    assert.equal(r.text, text);
    assert.deepEqual(r.left.map((l) => l.reason), ['templated', 'templated', 'templated']);
  });

  test('a dollar-quoted PL/pgSQL body is kept byte for byte', () => {
    const body = '$fn$\nBEGIN   NEW.updated_at := now();\n    RETURN NEW;  END\n$fn$';
    const text = `create or replace function touch() returns trigger language plpgsql as ${body};\n`;
    const r = format(text, { keywordCase: 'upper' });
    assert.ok(r.text.includes(body), r.text);
    assert.match(r.text, /^CREATE OR REPLACE FUNCTION/);
  });

  test('formatted text that would parse to another statement is left as written (CREATE OPERATOR, a real corpus case)', () => {
    // sql-formatter writes "@ + @" for the operator @+@: three operators, another statement
    const text = 'ALTER OPERATOR @+@(int4, int4) OWNER TO regress_alter_generic_user2;\n';
    const r = format(text);
    assert.equal(r.text, text);
    assert.equal(r.left[0]?.reason, 'different-tree');
  });

  test('formatted text that psql would read differently is left as written (\'foo\': NULL would become the psql variable :NULL; corpus sqljson.sql)', () => {
    const text = "SELECT JSON_OBJECT('foo': NULL::int FORMAT JSON);\n";
    const r = format(text);
    assert.equal(r.text, text);
    assert.equal(r.left[0]?.reason, 'splits-differently');
  });

  test('comments inside a statement survive', () => {
    const r = format('select a /* first */, b -- second\nfrom t;\n');
    assert.ok(r.text.includes('/* first */') && r.text.includes('-- second'), r.text);
    assert.equal(r.edits.length, 1);
  });

  test('idempotent: formatting the formatted text changes nothing (examples/shop, every file)', () => {
    const dir = path.join(ROOT, 'examples', 'shop');
    const files = ['queries/reports.sql', ...fs.readdirSync(path.join(dir, 'migrations')).map((f) => `migrations/${f}`)];
    let changed = 0;
    for (const f of files) {
      const once = format(fs.readFileSync(path.join(dir, f), 'utf8'));
      changed += once.edits.length;
      const twice = format(once.text);
      assert.deepEqual(twice.edits, [], `${f} changes again`);
    }
    assert.ok(changed > 0, 'the example project has statements to format');
  });

  test('keyword case, tab size and tabs', () => {
    assert.equal(format('SELECT id FROM t WHERE x::BIGINT > 1;', { keywordCase: 'lower' }).text, 'select\n  id\nfrom\n  t\nwhere\n  x::bigint > 1;');
    assert.equal(format('select id from t;', { keywordCase: 'upper', tabSize: 4 }).text, 'SELECT\n    id\nFROM\n    t;');
    assert.equal(format('select id from t;', { insertSpaces: false }).text, 'select\n\tid\nfrom\n\tt;');
    assert.equal(format('Select id From t;').text, 'Select\n  id\nFrom\n  t;', 'preserve keeps the case as written');
  });

  test('a CRLF file stays CRLF; an indented statement keeps its indentation on every line', () => {
    assert.equal(format('-- a\r\nselect a, b from t;\r\n').text, '-- a\r\nselect\r\n  a,\r\n  b\r\nfrom\r\n  t;\r\n');
    assert.equal(format('do $$ begin end $$;\n    select a, b from t;\n').text, 'do $$ begin end $$;\n    select\n      a,\n      b\n    from\n      t;\n');
  });

  test('range formatting formats only the statements the range meets', () => {
    const text = 'select a, b from t;\nselect c, d from u;\nselect e, f from v;\n';
    const second = text.indexOf('select c');
    const r = format(text, {}, { start: second + 3, end: second + 5 });
    assert.equal(r.edits.length, 1);
    assert.equal(r.text, 'select a, b from t;\nselect\n  c,\n  d\nfrom\n  u;\nselect e, f from v;\n');
    const cursor = format(text, {}, { start: second, end: second });
    assert.equal(cursor.edits.length, 1, 'an empty range (the cursor) formats the statement it is in');
  });

  test('edits cover only changed statements; an already formatted statement gets none', () => {
    const text = 'select\n  a\nfrom\n  t;\n\nselect b from u;\n';
    const r = format(text);
    assert.equal(r.edits.length, 1);
    assert.equal(r.unchanged, 1);
    assert.equal(r.edits[0].start, text.indexOf('select b'));
  });

  test('a statement over the size limit is left as written', () => {
    const big = `select ${Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(', ')} from t;`;
    const r = formatStatement(big, opts());
    assert.deepEqual(r, { reason: 'too-large' });
  });
});

describe('.dbe.json "format"', () => {
  test('keywordCase, tabSize and useTabs are read; bad values get a clear message', () => {
    const c = mergeConfig(defaultConfig(), { format: { keywordCase: 'upper', tabSize: 4, useTabs: false } }, '.dbe.json');
    assert.deepEqual(c.format, { keywordCase: 'upper', tabSize: 4, useTabs: false });
    assert.equal(defaultConfig().format.keywordCase, 'preserve');
    assert.throws(() => mergeConfig(defaultConfig(), { format: { keywordCase: 'shout' } }, '.dbe.json'), (e: Error) => e instanceof ConfigError && /format.keywordCase/.test(e.message));
    assert.throws(() => mergeConfig(defaultConfig(), { format: { width: 80 } }, '.dbe.json'), /unknown setting "format.width"/);
    assert.throws(() => mergeConfig(defaultConfig(), { format: { tabSize: 0 } }, '.dbe.json'), /format.tabSize/);
  });
});
