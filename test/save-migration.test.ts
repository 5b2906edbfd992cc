// "Save as new migration" keeps the model's rollback (server/src/chat/save-migration.ts): the plan is
// made in plain Node from the answer and the folder listing, then written here the way the editor
// does (new files only) into temp copies of examples/shop and of a golang-migrate project, and the
// engine reads the result back: the down file is paired with its up, the commented rollback never runs.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fencedBlocks, planSaveMigration, upAndDown } from '../server/src/chat/save-migration';
import { projectFor, ready, ROOT } from './helpers';

const dirs: string[] = [];
before(async () => { await ready(); });
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function tempCopy(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-save-mig-'));
  dirs.push(dir);
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-save-mig-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const entries = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));

/** Writes the plan as the editor does: new files only; one that exists fails the whole save, nothing written. */
function write(folder: string, plan: ReturnType<typeof planSaveMigration>): void {
  for (const f of plan.files) if (fs.existsSync(path.join(folder, f.path))) throw new Error(`${f.path} exists`);
  for (const f of plan.files) {
    fs.mkdirSync(path.dirname(path.join(folder, f.path)), { recursive: true });
    fs.writeFileSync(path.join(folder, f.path), f.text, { flag: 'wx' });
  }
}

const UP = '-- index orders by status\nCREATE INDEX CONCURRENTLY idx_orders_status_created ON orders (status, created_at);';
const DOWN = 'DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status_created;';
const ANSWER = [
  'Add a composite index; it is built without blocking writes.',
  '',
  '```sql',
  UP,
  '```',
  '',
  'Rollback:',
  '',
  '```sql',
  DOWN,
  '```',
  '',
  'Check the plan afterwards with `EXPLAIN (ANALYZE, BUFFERS)`.',
].join('\n');

describe('the rollback block is recognised', () => {
  test('a block after "Rollback:", a block starting with -- Down, a "### Down" heading; clicking either block of the pair', () => {
    assert.deepEqual(upAndDown({ code: UP, answer: ANSWER, block: 0 }), { up: UP, down: DOWN });
    assert.deepEqual(upAndDown({ code: DOWN, answer: ANSWER, block: 1 }), { up: UP, down: DOWN }, 'the rollback clicked: the pair');
    const marked = `Here:\n\n\`\`\`sql\n${UP}\n\`\`\`\n\n\`\`\`sql\n-- Down\n${DOWN}\n\`\`\`\n`;
    assert.deepEqual(upAndDown({ code: UP, answer: marked }), { up: UP, down: `-- Down\n${DOWN}` });
    const headings = `### Up\n\n\`\`\`sql\n${UP}\n\`\`\`\n\n### Down\n\n\`\`\`sql\n${DOWN}\n\`\`\`\n`;
    assert.deepEqual(upAndDown({ code: UP, answer: headings }), { up: UP, down: DOWN });
    // one block with both parts
    assert.deepEqual(upAndDown({ code: `${UP}\n\n-- Rollback:\n${DOWN}` }), { up: UP, down: `-- Rollback:\n${DOWN}` });
  });

  test("the persona's own example of a migration and its rollback is recognised as such (the persona and the planner agree)", () => {
    const persona = fs.readFileSync(path.join(ROOT, 'agents', 'database-engineer.md'), 'utf8');
    assert.match(persona, /its rollback in the `sql` block right after it, that\s+block starting with the line `-- Rollback`/);
    const blocks = fencedBlocks(persona);
    const i = blocks.findIndex((b) => b.code.startsWith('-- Rollback\n'));
    assert.ok(i > 0, 'the persona shows a rollback block');
    assert.deepEqual(upAndDown({ code: blocks[i - 1].code, answer: persona, block: i - 1 }), { up: blocks[i - 1].code.trim(), down: blocks[i].code.trim() });
  });

  test('two migrations in a row are not taken for a migration and its rollback; a sentence that mentions "down" is no rollback marker', () => {
    const two = `First:\n\n\`\`\`sql\n${UP}\n\`\`\`\n\nThen, in a later release:\n\n\`\`\`sql\nALTER TABLE orders DROP COLUMN legacy;\n\`\`\`\n`;
    assert.deepEqual(upAndDown({ code: UP, answer: two }), { up: UP });
    const slows = `\`\`\`sql\n${UP}\n\`\`\`\n\nEvery index slows down writes a little, so also drop the old one, which nothing uses any more since the last release of the application:\n\n\`\`\`sql\nDROP INDEX idx_old;\n\`\`\`\n`;
    assert.deepEqual(upAndDown({ code: UP, answer: slows }), { up: UP });
    assert.deepEqual(upAndDown({ code: UP }), { up: UP }, 'no answer: the block alone');
  });
});

describe('Save as new migration writes both files where the convention keeps down files', () => {
  test('golang-migrate: N_name.up.sql and N_name.down.sql, the down paired with its up by the engine', () => {
    const root = tempProject({
      'migrations/000001_create_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, created_at timestamptz NOT NULL);\n',
      'migrations/000001_create_orders.down.sql': 'DROP TABLE orders;\n',
    });
    const folder = path.join(root, 'migrations');
    const plan = planSaveMigration({ code: UP, answer: ANSWER, block: 0, entries: entries(folder) });
    assert.equal(plan.rollback, 'file');
    assert.deepEqual(plan.files.map((f) => f.path), ['000002_index_orders_by_status.up.sql', '000002_index_orders_by_status.down.sql']);
    write(folder, plan);
    assert.equal(fs.readFileSync(path.join(folder, '000002_index_orders_by_status.up.sql'), 'utf8'), `${UP}\n`);
    assert.equal(fs.readFileSync(path.join(folder, '000002_index_orders_by_status.down.sql'), 'utf8'), `${DOWN}\n`);
    const project = projectFor(root);
    project.order();
    const up = project.getFile(path.join(folder, '000002_index_orders_by_status.up.sql'))!;
    assert.equal(up.migration?.downFile, path.join(folder, '000002_index_orders_by_status.down.sql'));
    assert.ok(project.schema().indexes.hasName('idx_orders_status_created'), 'the up replays');
    // saved again from the same answer: the next number, never over the files just written
    const again = planSaveMigration({ code: UP, answer: ANSWER, block: 0, entries: entries(folder) });
    assert.match(again.files[0].path, /^000003_/);
  });

  test('Diesel: dir/up.sql and dir/down.sql', () => {
    const plan = planSaveMigration({ code: UP, answer: ANSWER, entries: ['2024-01-01-120000_create_orders/'], now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    assert.deepEqual(plan.files.map((f) => f.path), ['2026-01-02-030405_index_orders_by_status/up.sql', '2026-01-02-030405_index_orders_by_status/down.sql']);
    assert.equal(plan.files[1].text, `${DOWN}\n`);
  });

  test('examples/shop (numbered, no down files): the rollback is a commented-out block at the end of the up file, which never runs', () => {
    const root = tempCopy(path.join(ROOT, 'examples', 'shop'));
    const folder = path.join(root, 'migrations');
    const plan = planSaveMigration({ code: UP, answer: ANSWER, block: 0, entries: entries(folder) });
    assert.equal(plan.rollback, 'comment');
    assert.deepEqual(plan.files.map((f) => f.path), ['005_index_orders_by_status.sql']);
    write(folder, plan);
    const text = fs.readFileSync(path.join(folder, '005_index_orders_by_status.sql'), 'utf8');
    assert.ok(text.startsWith(`${UP}\n`));
    assert.match(text, /-- Rollback, as the assistant proposed it\. The numbered convention has no down files/);
    assert.match(text, /\n-- DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status_created;\n$/);
    const project = projectFor(root);
    assert.ok(project.schema().indexes.hasName('idx_orders_status_created'), 'the commented rollback does not drop the index');
    const file = project.getFile(path.join(folder, '005_index_orders_by_status.sql'))!;
    assert.equal(file.statements.length, 1, 'one statement: the rollback is only a comment');
    // the files of the copy before the save are untouched
    for (const f of fs.readdirSync(path.join(ROOT, 'examples', 'shop', 'migrations'))) {
      assert.equal(fs.readFileSync(path.join(folder, f), 'utf8'), fs.readFileSync(path.join(ROOT, 'examples', 'shop', 'migrations', f), 'utf8'));
    }
  });
});
