// The MySQL DDL reader over every file of ../shared/corpus/mysql (6,500 statements): each statement
// that starts a DDL form the replay follows is read, no ALTER TABLE action is left unread, no column
// is read without a type, and every project replays without an exception. Skipped without the corpus.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from '../helpers';
import { splitMySql } from '../../server/src/dialects/mysql/split';
import { readMySqlDdl, type MyColumnDef } from '../../server/src/dialects/mysql/ddl';
import { replayMySql } from '../mysql-replay-helpers';
import { replayFaults } from '../../server/src/dialects/mysql/replay';

const MY = path.join(CORPUS, 'mysql');
const skip = fs.existsSync(MY) ? false : `corpus not found at ${MY}`;

/** Statement heads the replay follows (ALTER DATABASE and the like are not in it). */
const DDL_HEAD = /^\s*(create\s+(or\s+replace\s+)?(temporary\s+)?table|alter\s+(online\s+|ignore\s+)?table|drop\s+(temporary\s+)?table|rename\s+table|create\s+(unique\s+|fulltext\s+|spatial\s+)?index|drop\s+index|create\s+(or\s+replace\s+)?(algorithm\s*=\s*\w+\s+)?(definer\s*=\s*\S+\s+)?(sql\s+security\s+\w+\s+)?view|drop\s+view|truncate)\b/i;

describe('MySQL DDL reader on the corpus', { skip }, () => {
  test('every DDL statement is read; every ALTER TABLE action and column is understood', () => {
    let statements = 0, ddl = 0;
    const unread: string[] = [], unknownActions: string[] = [], untyped: string[] = [];
    for (const folder of fs.readdirSync(MY)) {
      const dir = path.join(MY, folder);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const f of fs.readdirSync(dir)) {
        const text = fs.readFileSync(path.join(dir, f), 'utf8');
        for (const s of splitMySql(text).statements) {
          statements++;
          const plain = s.text.replace(/\/\*!\d*|\*\//g, '');
          const d = readMySqlDdl(s.text);
          if (!DDL_HEAD.test(plain)) continue;
          ddl++;
          if (!d) { unread.push(`${folder}/${f}: ${plain.slice(0, 80)}`); continue; }
          const cols: MyColumnDef[] = [];
          if (d.kind === 'create-table') for (const e of d.elements) if (e.kind === 'column') cols.push(e.column);
          if (d.kind === 'alter-table') {
            for (const a of d.actions) {
              if (a.kind === 'other') unknownActions.push(`${folder}/${f}: ${a.text.slice(0, 80)}`);
              if (a.kind === 'add-columns') cols.push(...a.columns);
              if (a.kind === 'modify' || a.kind === 'change') cols.push(a.column);
            }
          }
          for (const c of cols) if (!c.baseType) untyped.push(`${folder}/${f}: ${c.name}`);
        }
      }
    }
    assert.ok(statements > 6000, `the corpus has its statements (${statements})`);
    assert.ok(ddl > 4000, `most are DDL (${ddl})`);
    assert.deepEqual(unread, []);
    assert.deepEqual(unknownActions, []);
    assert.deepEqual(untyped, []);
  });

  test('each project folder replays as one project without an exception', () => {
    const before = replayFaults.count;
    for (const folder of fs.readdirSync(MY)) {
      const dir = path.join(MY, folder);
      if (!fs.statSync(dir).isDirectory()) continue;
      const files = fs.readdirSync(dir).sort().map((f) => [path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8')] as [string, string]);
      const s = replayMySql(files);
      assert.ok(s.tables.size > 0, `${folder} creates tables`);
    }
    assert.equal(replayFaults.count - before, 0, `the replay caught an exception: ${replayFaults.last}`);
  });
});
