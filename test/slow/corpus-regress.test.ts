// The engine on PostgreSQL's own regression suite (../shared/corpus/postgres-regress, about 30 s): no
// exception or internal error, file by file and as one project. Skipped (and counted) without the corpus.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../server/src/config';
import { Project } from '../../server/src/engine/project';
import { initParser } from '../../server/src/sql/parse';
import { CORPUS } from '../helpers';

const present = fs.existsSync(CORPUS);
const skip = present ? false : `corpus not found at ${CORPUS}`;

function filesOf(folder: string): string[] {
  const dir = path.join(CORPUS, folder);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(dir, f));
}

/** A project whose relPath is the file's base name. */
function load(files: string[]): Project {
  const p = new Project(defaultConfig(), (f) => path.basename(f));
  for (const f of files) p.setFile(f, fs.readFileSync(f, 'utf8'));
  return p;
}

function describeErrors(p: Project): string {
  return p.internalErrors.slice(0, 5).map((e) => `${e.rule} on ${path.basename(e.path)}: ${e.message.split('\n')[0]}`).join('\n');
}

before(async () => { if (present) await initParser(); });

describe('PostgreSQL regression suite', () => {
  const files = present ? filesOf('postgres-regress') : [];
  test('each file alone: no exception, no internal error', { skip }, () => {
    const failures: string[] = [];
    for (const f of files) {
      try {
        const p = load([f]);
        p.analyze();
        if (p.internalErrors.length) failures.push(describeErrors(p));
      } catch (e: any) {
        failures.push(`${path.basename(f)}: ${e?.stack ?? e}`);
      }
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${files.length} files failed`);
  });

  test('the whole folder as one project: no exception, no internal error', { skip }, () => {
    const p = load(files);
    const results = p.analyze();
    assert.equal(results.size, files.length);
    assert.equal(p.internalErrors.length, 0, describeErrors(p));
  });
});
