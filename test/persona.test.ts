// The built-in database-engineer persona is complete, its SQL is real PostgreSQL,
// it is written in our own words, and workspace personas load only when trusted.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtInPersonaPath, listPersonas, loadPersona, parsePersona, PersonaError } from '../server/src/persona';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pgQuery = require('libpg-query') as { loadModule(): Promise<void>; parseSync(sql: string): unknown };

const ROOT = path.join(__dirname, '..');
const SEED = '/work/shared/seeds/database-engineer-agent.md';

before(async () => {
  await pgQuery.loadModule();
});

const persona = () => loadPersona(builtInPersonaPath());
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

test('the built-in persona is found next to the sources and parses', () => {
  const file = builtInPersonaPath();
  assert.equal(path.resolve(file), path.join(ROOT, 'agents', 'database-engineer.md'));
  const p = persona();
  assert.equal(p.name, 'database-engineer');
  assert.ok(p.description.length > 20, 'description is present');
  assert.ok(!p.body.startsWith('---'), 'front matter is not part of the body');
  assert.match(p.body, /You are /);
  const lines = fs.readFileSync(file, 'utf8').split('\n').length;
  assert.ok(lines >= 200 && lines <= 600, `persona length is reasonable (${lines} lines)`);
});

const SECTIONS = [
  'Role',
  'Core Expertise',
  'Development Philosophy',
  'Data Modeling Principles',
  'Schema Design Standards',
  'Relational Design',
  'Normalization Patterns',
  'Query Optimization',
  'NoSQL Design Patterns',
  'MongoDB',
  'Redis',
  'Performance Tuning',
  'PostgreSQL',
  'MySQL',
  'Replication & High Availability',
  'Sharding Strategies',
  'Data Migration Strategies',
  'Monitoring & Alerting',
  'Anti-Patterns to Avoid',
  'Tools & Technologies',
  'Response Format',
  'Special Instructions',
  'Working inside DB Engineer',
];

test('the persona has a heading for every section of the brief', () => {
  const headings = persona()
    .body.split('\n')
    .filter((l) => /^#{2,4} /.test(l))
    .map((l) => ` ${norm(l.replace(/^#+ /, ''))} `);
  for (const s of SECTIONS) {
    assert.ok(headings.some((h) => h.includes(` ${norm(s)} `)), `no heading for "${s}"`);
  }
  const top = persona().body.split('\n').filter((l) => /^## /.test(l)).map((l) => norm(l));
  for (const s of ['Role', 'Core Expertise', 'Development Philosophy', 'Schema Design Standards', 'Query Optimization',
    'NoSQL Design Patterns', 'Performance Tuning', 'Replication', 'Sharding Strategies', 'Data Migration Strategies',
    'Monitoring', 'Anti Patterns to Avoid', 'Tools', 'Response Format', 'Special Instructions']) {
    assert.ok(top.some((h) => h.includes(norm(s))), `"${s}" is not a ## heading`);
  }
});

/** Text of one `## ` section, up to the next `## ` heading. */
function section(body: string, title: string): string {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## ') && norm(l).includes(norm(title)));
  assert.ok(start >= 0, `section "${title}" exists`);
  const next = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, next < 0 ? undefined : next).join('\n');
}

test('all ten anti-patterns are listed', () => {
  const text = section(persona().body, 'Anti-Patterns to Avoid');
  const keywords: Array<[string, RegExp]> = [
    ['SELECT *', /SELECT \*/],
    ['foreign keys without indexes', /foreign key.*index|index.*foreign key/i],
    ['prepared statements', /prepared statement/i],
    ['execution plans', /execution plan/i],
    ['over-normalization for OLTP', /over-normali[sz]ation.*OLTP/i],
    ['under-normalization for OLAP', /under-normali[sz]ation.*OLAP/i],
    ['data growth', /data growth/i],
    ['backup and recovery', /backup and recovery/i],
    ['LIMIT without ORDER BY', /LIMIT.*without.*ORDER BY/],
    ['slow query log', /slow query log/i],
  ];
  for (const [what, re] of keywords) assert.match(text, re, `anti-pattern missing: ${what}`);
  assert.equal(text.split('\n').filter((l) => l.startsWith('- ')).length, 10, 'exactly ten anti-patterns');
});

test('all eight special instructions are listed', () => {
  const text = section(persona().body, 'Special Instructions');
  const keywords: Array<[string, RegExp]> = [
    ['ACID', /ACID/],
    ['reads and writes', /reads and writes/i],
    ['retention and archival', /retention.*archiv/i],
    ['GDPR / HIPAA', /GDPR.*HIPAA/],
    ['rollback strategies', /rollback/i],
    ['design decisions', /design decisions/i],
    ['capacity planning', /capacity/i],
    ['production-like volumes', /production-like data volumes/i],
  ];
  for (const [what, re] of keywords) assert.match(text, re, `special instruction missing: ${what}`);
  assert.equal(text.split('\n').filter((l) => l.startsWith('- ')).length, 8, 'exactly eight special instructions');
});

test('the response format has the seven steps', () => {
  const text = section(persona().body, 'Response Format');
  const steps = text.split('\n').filter((l) => /^\d+\. /.test(l));
  assert.deepEqual(steps.map((l) => Number(l.split('.')[0])), [1, 2, 3, 4, 5, 6, 7]);
  for (const re of [/access patterns/i, /normali[sz]ed schema/i, /indexes and constraints/i, /partitioning or sharding/i,
    /migration scripts/i, /performance/i, /monitoring/i]) assert.match(text, re);
});

test('the persona describes its place in DB Engineer', () => {
  const text = section(persona().body, 'Working inside DB Engineer');
  for (const re of [/selected query/i, /schema/i, /linter/i, /PostgreSQL first/i, /`sql`/, /rollback/i, /unsure/i]) {
    assert.match(text, re);
  }
  const migrations = section(persona().body, 'Data Migration Strategies');
  for (const re of [/online/i, /expand/i, /contract/i, /batched backfill/i, /swap|atomic/i]) assert.match(migrations, re);
});

test('every sql block in the persona is valid PostgreSQL', () => {
  const blocks = [...persona().body.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 8, `expected many sql examples, found ${blocks.length}`);
  for (const [i, sql] of blocks.entries()) {
    assert.doesNotThrow(() => pgQuery.parseSync(sql), `sql block ${i + 1} does not parse:\n${sql}`);
  }
  // Indexes are separate statements in PostgreSQL, never an INDEX clause inside CREATE TABLE.
  for (const sql of blocks) assert.doesNotMatch(sql, /^\s+INDEX\s+\w+\s*\(/m);
});

/** Sentences of a Markdown text: split on sentence punctuation and line structure, whitespace normalised. */
function sentences(text: string): string[] {
  return text
    .replace(/```[a-z]*\n/g, '\n')
    .replace(/^(#+ .*)$/gm, '$1\n')
    .split(/(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.|#)\s)/)
    .map((s) => s.replace(/^[\s#>*\-\d.]+/, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

test('no sentence of twelve or more words is copied from the seed', { skip: !fs.existsSync(SEED) && 'seed not available' }, () => {
  const ours = ` ${norm(fs.readFileSync(builtInPersonaPath(), 'utf8'))} `;
  const long = sentences(fs.readFileSync(SEED, 'utf8'))
    .map(norm)
    .filter((s) => s.split(' ').length >= 12);
  assert.ok(long.length >= 10, 'the seed yields sentences to compare against');
  const copied = long.filter((s) => ours.includes(` ${s} `));
  assert.deepEqual(copied, []);
});

test('parsePersona reports missing or broken front matter clearly', () => {
  assert.throws(() => parsePersona('# no front matter\n', 'a.md'), (e: unknown) => e instanceof PersonaError && /a\.md: missing front matter/.test(e.message));
  assert.throws(() => parsePersona('---\nname: x\n', 'b.md'), /b\.md: unterminated front matter/);
  assert.throws(() => parsePersona('---\ndescription: d\n---\nbody\n', 'c.md'), /c\.md: front matter has no "name"/);
  assert.throws(() => parsePersona('---\nname x\n---\nbody\n', 'd.md'), /d\.md: front matter line 2/);
  assert.throws(() => parsePersona('---\nname: x\n---\n\n', 'e.md'), /e\.md: persona has no body/);
  const p = parsePersona('---\r\nname: "reviewer"\r\ndescription: Reviews SQL.\r\n---\r\nYou review SQL.\r\n', 'f.md');
  assert.deepEqual([p.name, p.description, p.body, p.source], ['reviewer', 'Reviews SQL.', 'You review SQL.', 'f.md']);
});

test('workspace personas load only in trusted workspaces, and broken ones are reported, not thrown', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-persona-'));
  try {
    const dir = path.join(root, '.dbe', 'agents');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'reviewer.md'), '---\nname: reviewer\ndescription: Reviews migrations.\n---\nYou review migrations.\n');
    fs.writeFileSync(path.join(dir, 'broken.md'), 'no front matter here\n');
    fs.writeFileSync(path.join(dir, 'clash.md'), '---\nname: database-engineer\n---\nAn impostor.\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored\n');

    const untrusted = listPersonas(root, false);
    assert.deepEqual(untrusted.personas.map((p) => p.name), ['database-engineer']);
    assert.deepEqual(untrusted.errors, []);
    assert.equal(untrusted.personas[0].builtIn, true);

    assert.deepEqual(listPersonas(undefined, true).personas.map((p) => p.name), ['database-engineer']);

    const trusted = listPersonas(root, true);
    assert.deepEqual(trusted.personas.map((p) => p.name), ['database-engineer', 'reviewer']);
    assert.deepEqual(trusted.errors.map((e) => path.basename(e.file)).sort(), ['broken.md', 'clash.md']);
    const broken = trusted.errors.find((e) => e.file.endsWith('broken.md'))!;
    assert.match(broken.message, /broken\.md: missing front matter/);

    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-persona-empty-'));
    try {
      assert.deepEqual(listPersonas(empty, true).errors, [], 'no .dbe/agents folder is not an error');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
