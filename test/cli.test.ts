// The `dbe` command line, run as users run it: `node dist/cli.js ...` on temporary projects.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-cli-test-'));
const CACHE = path.join(TMP, '.cache');

interface Run { code: number; stdout: string; stderr: string }

function dbe(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? TMP,
    encoding: 'utf8',
    env: { ...process.env, DBE_CACHE_DIR: CACHE, DBE_TIMING: '', ...opts.env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Writes files (relative path -> text) under a fresh directory and returns it. */
let dirCount = 0;
function project(files: Record<string, string | Buffer>): string {
  const dir = path.join(TMP, `p${++dirCount}`);
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
  return dir;
}

function json(r: Run): any {
  try { return JSON.parse(r.stdout); } catch { assert.fail(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)}\n${r.stderr}`); }
}

function noStack(s: string): void {
  assert.doesNotMatch(s, /^\s+at /m, 'no stack trace on stderr');
}

const EQ_NULL = 'SELECT id FROM users WHERE deleted_at = NULL;\n';
const CLEAN = 'CREATE TABLE t (id bigint PRIMARY KEY);\n';

before(() => {
  if (!fs.existsSync(CLI)) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, `build failed: ${b.stderr}`);
  }
});
after(() => { fs.rmSync(TMP, { recursive: true, force: true }); });

describe('dbe basics', () => {
  test('--version, --help, rules', () => {
    const v = dbe(['--version']);
    assert.equal(v.code, 0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(v.stdout.trim(), `dbe ${pkg.version}`);
    const h = dbe(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /dbe lint <paths\.\.\.>/);
    assert.match(h.stdout, /--fail-on/);
    const r = dbe(['rules']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^id\s+category\s+severity\s+title$/);
    assert.ok(lines.some((l) => /^equals-null\s+query\s+error\s+\S/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^syntax-error\s/.test(l)));
    const rj = JSON.parse(dbe(['rules', '--format', 'json']).stdout);
    assert.ok(Array.isArray(rj) && rj.every((x: any) => x.id && x.category && x.severity && x.title));
  });

  test('usage errors exit 2 with one line on stderr', () => {
    const dir = project({ 'a.sql': CLEAN });
    for (const args of [['lint'], ['lint', dir, '--bogus'], ['lint', dir, '--format', 'xml'], ['lint', dir, '--fail-on', 'never'], ['frobnicate'], ['lint', dir, '--format']]) {
      const r = dbe(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^dbe: \S.*\n$/, `${args.join(' ')} -> ${JSON.stringify(r.stderr)}`);
      assert.equal(r.stdout, '');
    }
  });

  test('missing path and unreadable input exit 2', () => {
    const r = dbe(['lint', path.join(TMP, 'does-not-exist.sql')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^dbe: no such file or directory: .*does-not-exist\.sql\n$/);
    noStack(r.stderr);
    if (process.getuid?.() !== 0) {
      const dir = project({ 'locked.sql': CLEAN });
      fs.chmodSync(path.join(dir, 'locked.sql'), 0o000);
      const u = dbe(['lint', dir]);
      assert.equal(u.code, 2);
      assert.match(u.stderr, /^dbe: cannot read .*locked\.sql/);
    }
  });

  test('bad .dbe.json exits 2 with a clear message', () => {
    const cases: Record<string, RegExp> = {
      '{ not json': /not valid JSON/,
      '{"rules": {"no-such-rule": "error"}}': /unknown rule "no-such-rule"/,
      '{"rules": {"equals-null": "loud"}}': /severity/,
      '{"colour": "blue"}': /unknown setting "colour"/,
    };
    for (const [cfg, re] of Object.entries(cases)) {
      const dir = project({ '.dbe.json': cfg, 'a.sql': EQ_NULL });
      const r = dbe(['lint', dir]);
      assert.equal(r.code, 2, cfg);
      assert.match(r.stderr, /^dbe: /);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      noStack(r.stderr);
    }
    const missing = dbe(['lint', project({ 'a.sql': CLEAN }), '--config', path.join(TMP, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^dbe: config file not found/);
  });
});

describe('dbe lint output', () => {
  test('text format: compiler-style lines and a summary; exit 1 on errors', () => {
    const dir = project({ 'a.sql': CLEAN + EQ_NULL, 'b.sql': CLEAN.replace(' t ', ' u ') });
    const r = dbe(['lint', path.relative(TMP, dir)]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const rel = path.join(path.relative(TMP, dir), 'a.sql');
    const col = EQ_NULL.indexOf('=') + 1;
    assert.ok(lines.includes(`${rel}:2:${col}: error equals-null ${json(dbe(['lint', dir, '--format', 'json'])).files[0].diagnostics.find((d: any) => d.rule === 'equals-null').message}`), r.stdout);
    assert.match(lines[lines.length - 1], /^2 files, \d+ errors?, \d+ warnings?, \d+ infos?(, \d+ hints?)?$/);
    assert.match(lines[lines.length - 1], /^2 files, 1 error, /, 'one error is "1 error", not "1 errors"');
    for (const l of lines.slice(0, -1)) assert.match(l, /^[^:]+:\d+:\d+: (error|warning|info|hint) [a-z0-9-]+ \S/);
  });

  test('clean project: exit 0, summary only', () => {
    const dir = project({ 'a.sql': 'SELECT 1;\n' });
    const r = dbe(['lint', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '1 file, 0 errors, 0 warnings, 0 infos\n');
  });

  test('JSON contract: shape, every file listed, 0-based UTF-16 ranges', () => {
    // A non-ASCII line (accents, and an astral character that takes two UTF-16 units) before the finding.
    const line = "SELECT 'héllo 😀 wörld' AS greeting, id FROM users WHERE deleted_at = NULL;";
    // 02_a.sql is the newest numbered migration (the one being written): fixes may edit it, not 01
    const dir = project({ '01_clean.sql': 'SELECT 1;\n', '02_a.sql': `-- émoji 😀 comment\n${line}\n`, 'sub/03_x.sql': 'SELECT 2;\n' });
    const r = dbe(['lint', dir, '--format', 'json'], { cwd: dir });
    assert.equal(r.code, 1);
    const j = json(r);
    assert.deepEqual(Object.keys(j).sort(), ['files', 'summary', 'version']);
    assert.equal(j.version, 1);
    assert.deepEqual(j.files.map((f: any) => f.path), ['01_clean.sql', '02_a.sql', path.join('sub', '03_x.sql')]);
    for (const k of ['files', 'errors', 'warnings', 'infos']) assert.equal(typeof j.summary[k], 'number', k);
    assert.equal(j.summary.files, 3);
    const all = j.files.flatMap((f: any) => f.diagnostics);
    assert.equal(j.summary.errors, all.filter((d: any) => d.severity === 'error').length);
    assert.equal(j.summary.warnings, all.filter((d: any) => d.severity === 'warning').length);
    for (const f of j.files) {
      assert.deepEqual(Object.keys(f).sort(), ['diagnostics', 'path']);
      for (const d of f.diagnostics) {
        assert.deepEqual(Object.keys(d).sort(), ['fixes', 'message', 'range', 'rule', 'severity']);
        assert.ok(['error', 'warning', 'info', 'hint'].includes(d.severity));
        for (const p of [d.range.start, d.range.end]) assert.deepEqual(Object.keys(p).sort(), ['character', 'line']);
        assert.ok(Array.isArray(d.fixes));
        for (const fx of d.fixes) {
          assert.equal(typeof fx.title, 'string');
          for (const e of fx.edits) assert.deepEqual(Object.keys(e).sort(), ['newText', 'path', 'range']);
        }
      }
    }
    const eq = j.files[1].diagnostics.find((d: any) => d.rule === 'equals-null');
    assert.ok(eq, JSON.stringify(j.files[1]));
    // UTF-16 column of "=": JavaScript string indices are UTF-16 units.
    assert.deepEqual(eq.range.start, { line: 1, character: line.indexOf('= NULL') });
    assert.equal(eq.range.start.line, eq.range.end.line);
    assert.ok(eq.fixes.length >= 1, 'equals-null offers its fix');
    const edit = eq.fixes[0].edits[0];
    assert.equal(edit.path, '02_a.sql');
    assert.equal(edit.range.start.line, 1);
    // The edit applied at its UTF-16 range gives IS NULL.
    const fixed = line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character);
    assert.match(fixed, /deleted_at IS NULL;$/);
  });

  test('SARIF 2.1.0 shape', () => {
    const dir = project({ 'm/a.sql': EQ_NULL });
    const r = dbe(['lint', dir, '--format', 'sarif'], { cwd: dir });
    assert.equal(r.code, 1);
    const s = json(r);
    assert.equal(s.version, '2.1.0');
    assert.match(s.$schema, /sarif/);
    const run = s.runs[0];
    const driver = run.tool.driver;
    assert.equal(driver.name, 'dbe');
    assert.equal(typeof driver.version, 'string');
    assert.match(driver.informationUri, /^https:\/\//);
    for (const rule of driver.rules) {
      assert.equal(typeof rule.id, 'string');
      assert.equal(typeof rule.name, 'string');
      assert.equal(typeof rule.shortDescription.text, 'string');
      assert.equal(typeof rule.fullDescription.text, 'string');
      assert.match(rule.helpUri, new RegExp(`docs/rules/${rule.id}\\.md$`));
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
    }
    const res = run.results.find((x: any) => x.ruleId === 'equals-null');
    assert.ok(res);
    assert.equal(driver.rules[res.ruleIndex].id, 'equals-null');
    assert.equal(res.level, 'error');
    assert.equal(typeof res.message.text, 'string');
    const loc = res.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uri, 'm/a.sql');
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.deepEqual(loc.region, { startLine: 1, startColumn: EQ_NULL.indexOf('=') + 1, endLine: 1, endColumn: loc.region.endColumn });
    assert.ok(loc.region.endColumn > loc.region.startColumn);
    assert.ok(res.fixes?.length >= 1);
    const change = res.fixes[0].artifactChanges[0];
    assert.equal(change.artifactLocation.uri, 'm/a.sql');
    assert.equal(typeof change.replacements[0].insertedContent.text, 'string');
    assert.equal(change.replacements[0].deletedRegion.startLine, 1);
  });

  test('--fail-on warning and --quiet', () => {
    const dir = project({ '.dbe.json': '{"rules": {"equals-null": "warning"}}', 'a.sql': EQ_NULL });
    const base = dbe(['lint', dir, '--format', 'json']);
    const j = json(base);
    const sevs = j.files[0].diagnostics.map((d: any) => d.severity);
    assert.ok(sevs.includes('warning'));
    assert.equal(base.code, sevs.includes('error') ? 1 : 0);
    assert.equal(dbe(['lint', dir, '--fail-on', 'warning']).code, 1);
    assert.equal(dbe(['lint', dir, '--fail-on=warning']).code, 1);
    // --fail-on none: report everything, never fail on findings (the demo uses it)
    const none = dbe(['lint', dir, '--fail-on', 'none']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /equals-null/);
    // --quiet: only what reaches the fail level is reported.
    const q = json(dbe(['lint', dir, '--quiet', '--format', 'json']));
    assert.ok(q.files[0].diagnostics.every((d: any) => d.severity === 'error'));
  });
});

describe('dbe lint configuration', () => {
  test('severity overrides and "off"', () => {
    const warn = project({ '.dbe.json': '{"rules": {"equals-null": "info"}}', 'a.sql': EQ_NULL });
    const d = json(dbe(['lint', warn, '--format', 'json'])).files[0].diagnostics.find((x: any) => x.rule === 'equals-null');
    assert.equal(d.severity, 'info');
    const off = project({ '.dbe.json': '{"rules": {"equals-null": "off"}}', 'a.sql': EQ_NULL });
    const j = json(dbe(['lint', off, '--format', 'json']));
    assert.equal(j.files[0].diagnostics.filter((x: any) => x.rule === 'equals-null').length, 0);
    // --config replaces the nearest .dbe.json
    const cfg = path.join(TMP, 'alt-config.json');
    fs.writeFileSync(cfg, '{"rules": {"equals-null": "hint"}}');
    const alt = json(dbe(['lint', off, '--format', 'json', '--config', cfg])).files[0].diagnostics.find((x: any) => x.rule === 'equals-null');
    assert.equal(alt.severity, 'hint');
  });

  test('.dbe.json is found in a parent directory', () => {
    const dir = project({ '.dbe.json': '{"rules": {"equals-null": "off"}}', 'db/migrations/a.sql': EQ_NULL });
    const j = json(dbe(['lint', path.join(dir, 'db'), '--format', 'json']));
    assert.equal(j.files.length, 1);
    assert.equal(j.files[0].diagnostics.filter((x: any) => x.rule === 'equals-null').length, 0);
  });

  test('ignore globs, node_modules and .git are skipped', () => {
    const dir = project({
      '.dbe.json': '{"ignore": ["legacy/**", "*.generated.sql"]}',
      'a.sql': CLEAN,
      'legacy/old.sql': EQ_NULL,
      'x/schema.generated.sql': EQ_NULL,
      'node_modules/pkg/z.sql': EQ_NULL,
      '.git/y.sql': EQ_NULL,
      'notes.txt': 'not sql',
    });
    const r = dbe(['lint', dir, '--format', 'json'], { cwd: dir });
    assert.deepEqual(json(r).files.map((f: any) => f.path), ['a.sql']);
  });

  test('suppression comments', () => {
    const dir = project({
      'line.sql': `-- dbe-ignore equals-null\n${EQ_NULL}${EQ_NULL.replace('users', 'people')}`,
      'file.sql': `-- dbe-ignore-file equals-null\n${EQ_NULL}${EQ_NULL}`,
    });
    const j = json(dbe(['lint', dir, '--format', 'json'], { cwd: dir }));
    const count = (p: string) => j.files.find((f: any) => f.path === p).diagnostics.filter((d: any) => d.rule === 'equals-null');
    assert.equal(count('file.sql').length, 0);
    const line = count('line.sql');
    assert.equal(line.length, 1, 'only the statement below the comment is silenced');
    assert.equal(line[0].range.start.line, 2);
  });

  test('file arguments form one project; their siblings are not scanned', () => {
    const dir = project({
      'one/001_create.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, deleted_at timestamptz);\n',
      'two/002_query.sql': EQ_NULL,
      'two/sibling.sql': EQ_NULL,
    });
    const r = dbe(['lint', 'one/001_create.sql', 'two/002_query.sql', '--format', 'json'], { cwd: dir });
    assert.deepEqual(json(r).files.map((f: any) => f.path), [path.join('one', '001_create.sql'), path.join('two', '002_query.sql')]);
  });

  test('too large and binary files: one file-too-large finding each', () => {
    const dir = project({
      '.dbe.json': '{"maxFileBytes": 200}',
      'big.sql': `${'SELECT 1;\n'.repeat(50)}`,
      'bin.sql': Buffer.from([0x53, 0x45, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x02]),
      'ok.sql': 'SELECT 1;\n',
    });
    const j = json(dbe(['lint', dir, '--format', 'json'], { cwd: dir }));
    const by = (p: string) => j.files.find((f: any) => f.path === p).diagnostics;
    assert.deepEqual(by('big.sql').map((d: any) => d.rule), ['file-too-large']);
    assert.match(by('big.sql')[0].message, /500 bytes/);
    assert.deepEqual(by('bin.sql').map((d: any) => d.rule), ['file-too-large']);
    assert.deepEqual(by('ok.sql'), []);
  });

  test('a huge file is not read whole: one file-too-large finding with its real size', () => {
    const dir = project({ 'ok.sql': 'SELECT 1;\n' });
    const huge = path.join(dir, 'huge.sql');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 80 * 1024 * 1024); // sparse: costs no disk
    const r = dbe(['lint', dir, '--format', 'json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const d = json(r).files.find((f: any) => f.path === 'huge.sql').diagnostics;
    assert.deepEqual(d.map((x: any) => x.rule), ['file-too-large']);
    assert.match(d[0].message, new RegExp(`${80 * 1024 * 1024} bytes`));
  });
});

describe('dbe lint --fix', () => {
  test('equals-null is fixed in place and the result re-lints clean', () => {
    const text = `${CLEAN}SELECT id FROM users WHERE a = NULL AND b <> NULL;\n${EQ_NULL}`;
    const dir = project({ 'q.sql': text });
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    assert.match(r.stderr, /^dbe: applied [1-9]\d* fix(es)? in 1 file/m);
    const after = fs.readFileSync(path.join(dir, 'q.sql'), 'utf8');
    assert.match(after, /a IS NULL AND b IS NOT NULL/);
    assert.match(after, /deleted_at IS NULL;/);
    assert.doesNotMatch(after, /= NULL|<> NULL/);
    // What --fix reported is what a fresh run sees.
    const again = dbe(['lint', dir, '--format', 'json']);
    assert.deepEqual(json(again), json(r));
    assert.equal(json(again).files[0].diagnostics.filter((d: any) => d.rule === 'equals-null').length, 0);
  });

  test('every fixable finding is gone after --fix (whatever fixable rules exist)', () => {
    // Material for the fixable rules of the moment: foreign keys without an index, indexes built
    // without CONCURRENTLY on existing tables, NULL comparisons.
    const dir = project({
      '001_init.sql': [
        'CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);',
        'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), total numeric(12,2));',
        '',
      ].join('\n'),
      '002_more.sql': [
        'CREATE INDEX orders_total_idx ON orders (total);',
        'ALTER TABLE orders ADD COLUMN note_id bigint;',
        'ALTER TABLE orders ADD CONSTRAINT orders_note_fk FOREIGN KEY (note_id) REFERENCES customers (id);',
        'SELECT id FROM orders WHERE total = NULL;',
        '',
      ].join('\n'),
    });
    const before = json(dbe(['lint', dir, '--format', 'json']));
    const fixable = before.files.flatMap((f: any) => f.diagnostics).filter((d: any) => d.fixes.length);
    assert.ok(fixable.length >= 1, 'at least equals-null is fixable');
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    assert.match(r.stderr, /applied [1-9]\d* fix/);
    noStack(r.stderr);
    const after = json(dbe(['lint', dir, '--format', 'json']));
    const left = after.files.flatMap((f: any) => f.diagnostics).filter((d: any) => d.fixes.length);
    assert.deepEqual(left.map((d: any) => `${d.rule}: ${d.message}`), [], 'fixes that do not fix their own finding');
    assert.equal(after.files.flatMap((f: any) => f.diagnostics).filter((d: any) => d.rule === 'syntax-error').length, 0, 'fixes keep the SQL valid');
  });
});

describe('dbe lint --fix with new migrations', () => {
  test('missing-index and fk-without-index fixes apply cleanly: one new migration each, rollbacks too, nothing left', () => {
    const dir = project({
      'migrations/000001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, handle text NOT NULL);\n',
      'migrations/000001_users.down.sql': 'DROP TABLE users;\n',
      'migrations/000002_posts.up.sql': [
        'CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES users (id), published_at timestamptz NOT NULL, slug text NOT NULL);',
        'CREATE TABLE tags (id bigint PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts (id), label text NOT NULL);',
        '',
      ].join('\n'),
      'migrations/000002_posts.down.sql': 'DROP TABLE tags;\nDROP TABLE posts;\n',
      'migrations/000003_fns.up.sql': [
        // needs (author_id, published_at DESC): also settles the foreign key on author_id
        'CREATE FUNCTION feed(a bigint) RETURNS SETOF posts LANGUAGE sql STABLE AS $$ SELECT * FROM posts WHERE author_id = a ORDER BY published_at DESC LIMIT 10 $$;',
        'CREATE FUNCTION by_slug(s text) RETURNS SETOF posts LANGUAGE sql STABLE AS $$ SELECT * FROM posts WHERE slug = s $$;',
        '',
      ].join('\n'),
      'migrations/000003_fns.down.sql': 'DROP FUNCTION by_slug(text);\nDROP FUNCTION feed(bigint);\n',
    });
    const rules = (r: any) => r.files.flatMap((f: any) => f.diagnostics.map((d: any) => d.rule)).filter((x: string) => x === 'missing-index' || x === 'fk-without-index').sort();
    const before = json(dbe(['lint', dir, '--format', 'json']));
    assert.deepEqual(rules(before), ['fk-without-index', 'fk-without-index', 'missing-index', 'missing-index']);
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    noStack(r.stderr);
    assert.match(r.stderr, /applied [1-9]\d* fix/);
    const after = json(dbe(['lint', dir, '--format', 'json']));
    assert.deepEqual(rules(after), []);
    const all = after.files.flatMap((f: any) => f.diagnostics);
    assert.deepEqual(all.filter((d: any) => d.rule === 'syntax-error' || d.rule === 'redundant-index').map((d: any) => d.message), []);
    const created = fs.readdirSync(path.join(dir, 'migrations')).filter((f) => !/^00000[123]_/.test(f)).sort();
    assert.deepEqual(created, [
      '000004_add_idx_posts_author_id_published_at.down.sql', '000004_add_idx_posts_author_id_published_at.up.sql',
      '000005_add_idx_tags_post_id.down.sql', '000005_add_idx_tags_post_id.up.sql',
      '000006_add_idx_posts_slug.down.sql', '000006_add_idx_posts_slug.up.sql',
    ]);
    const up = fs.readFileSync(path.join(dir, 'migrations', created[1]), 'utf8');
    assert.match(up, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_posts_author_id_published_at ON posts \(author_id, published_at DESC\);$/m);
    assert.match(fs.readFileSync(path.join(dir, 'migrations', created[0]), 'utf8'), /^DROP INDEX CONCURRENTLY IF EXISTS idx_posts_author_id_published_at;$/m);
    // applied migrations are not edited: the foreign key of tags (created in 000002) gets a migration of its own
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'migrations/000002_posts.up.sql'), 'utf8'), /CREATE INDEX/);
    assert.match(fs.readFileSync(path.join(dir, 'migrations', created[3]), 'utf8'), /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tags_post_id ON tags \(post_id\);$/m);
  });
});

describe('dbe lint --fix never edits an applied migration', () => {
  test('examples/shop (a copy): 001-003 stay byte-identical; the type changes become new migrations', () => {
    const src = path.join(ROOT, 'examples', 'shop');
    const dir = path.join(TMP, 'shop');
    fs.cpSync(src, dir, { recursive: true });
    // 004 is the newest migration (the one being written): fixes may edit it in place
    const applied = ['001_create_users.sql', '002_create_orders.sql', '003_order_changes.sql'];
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    noStack(r.stderr);
    assert.match(r.stderr, /applied [1-9]\d* fix/);
    for (const f of applied) {
      const was = fs.readFileSync(path.join(src, 'migrations', f));
      assert.ok(fs.readFileSync(path.join(dir, 'migrations', f)).equals(was), `${f} was edited by --fix`);
    }
    const created = fs.readdirSync(path.join(dir, 'migrations')).filter((f) => !fs.existsSync(path.join(src, 'migrations', f)));
    const read = (re: RegExp) => {
      const f = created.find((x) => re.test(x));
      assert.ok(f, `no new migration matching ${re} among ${created.join(', ')}`);
      return fs.readFileSync(path.join(dir, 'migrations', f!), 'utf8');
    };
    assert.match(read(/_alter_users_created_at_to_timestamptz\.sql$/), /^ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';$/m);
    assert.match(read(/_alter_users_country_to_varchar_2\.sql$/), /^ALTER TABLE users ALTER COLUMN country TYPE varchar\(2\);$/m);
    assert.match(read(/_alter_users_id_to_bigint\.sql$/), /^ALTER TABLE users ALTER COLUMN id TYPE bigint;$/m);
  });

  test('the migrations a --fix run writes do not turn the one being written into an applied one: both of its fixes apply', () => {
    const dir = project({
      'db/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, note text, code text);\n',
      'db/002_narrow.sql': 'ALTER TABLE accounts ALTER COLUMN note TYPE varchar(200);\nALTER TABLE accounts ALTER COLUMN code TYPE varchar(8);\n',
    });
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    noStack(r.stderr);
    const after = json(dbe(['lint', dir, '--format', 'json']));
    const left = after.files.flatMap((f: any) => f.diagnostics.filter((d: any) => d.rule === 'alter-column-type' && /002_narrow/.test(f.path)).map((d: any) => d.message));
    assert.deepEqual(left, [], 'a type change of the migration being written was left without its fix');
    const text = fs.readFileSync(path.join(dir, 'db/002_narrow.sql'), 'utf8');
    assert.match(text, /ADD COLUMN note_new varchar\(200\)/);
    assert.match(text, /ADD COLUMN code_new varchar\(8\)/);
  });
});

describe('dbe advise', () => {
  const files = {
    'schema.sql': [
      'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);',
      'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), status text NOT NULL, created_at timestamptz NOT NULL);',
      '',
    ].join('\n'),
    'queries.sql': [
      'SELECT id FROM orders WHERE user_id = $1 AND status = $2;',
      'SELECT id FROM orders WHERE status = $1 AND user_id = $2;',
      'SELECT id FROM users WHERE email = $1;',
      '',
    ].join('\n'),
  };

  test('text: one recommendation per index with the queries it serves, then the schema findings', () => {
    const dir = project(files);
    const r = dbe(['advise', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Index recommendations \(2\)$/m);
    // both SELECTs read only id besides the keys: INCLUDE makes them index-only scans
    assert.match(r.stdout, /^1\. idx_orders_user_id_status on orders \(user_id, status\) INCLUDE \(id\)$/m);
    assert.match(r.stdout, /serves 2 queries:\n\s+p\d+\/queries\.sql:1:16 .*\n\s+p\d+\/queries\.sql:2:16 /);
    assert.match(r.stdout, /CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users \(email\);/);
    assert.match(r.stdout, /^Schema design findings \(\d+\)\n.*fk-without-index Foreign key orders \(user_id\)/m);
    assert.match(r.stdout, /^2 index recommendations serving 3 queries, \d+ schema design findings?$/m);
  });

  test('json and markdown carry the same report', () => {
    const dir = project(files);
    const j = json(dbe(['advise', dir, '--format', 'json']));
    assert.equal(j.version, 1);
    assert.equal(j.summary.indexes, 2);
    const [ix] = j.projects[0].indexes;
    assert.deepEqual([ix.table, ix.name, ix.columns, ix.include, ix.queries.map((q: any) => q.line)],
      ['orders', 'idx_orders_user_id_status', [{ column: 'user_id', direction: 'ASC' }, { column: 'status', direction: 'ASC' }], ['id'], [1, 2]]);
    assert.ok(j.projects[0].design.some((d: any) => d.rule === 'fk-without-index'));
    assert.ok(j.projects[0].design.every((d: any) => d.rule !== 'missing-index'));
    const md = dbe(['advise', dir, '-f', 'markdown']);
    assert.equal(md.code, 0);
    assert.match(md.stdout, /^### 1\. `idx_orders_user_id_status on orders \(user_id, status\) INCLUDE \(id\)`$/m);
    assert.match(md.stdout, /```sql\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id_status ON orders \(user_id, status\) INCLUDE \(id\);\n```/);
    assert.match(md.stdout, /^\| fk-without-index \| /m);
  });

  test('usage and input errors exit 2 with one line', () => {
    for (const args of [['advise'], ['advise', 'x', '--format', 'sarif'], ['advise', 'x', '--bogus'], ['advise', path.join(TMP, 'nope')]]) {
      const r = dbe(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^dbe: .+\n$/);
    }
  });
});

describe('dbe lint parse cache and threads', () => {
  test('cold, warm, corrupt cache and --no-cache give the same report', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`m/${String(i).padStart(3, '0')}_x.sql`] = `CREATE TABLE t${i} (id bigint PRIMARY KEY, v text);\nSELECT * FROM t${i} WHERE v = NULL;\n`;
    const dir = project(files);
    const cache = path.join(TMP, 'cache-test');
    const env = { DBE_CACHE_DIR: cache };
    const cold = dbe(['lint', dir, '--format', 'json'], { env });
    const entries = fs.readdirSync(cache).sort();
    assert.equal(entries.length, 2, `one parse cache and one result cache per project: ${entries}`);
    assert.match(entries[0], /^parse-.*\.bin$/);
    assert.match(entries[1], /^results-.*\.json$/);
    const warm = dbe(['lint', dir, '--format', 'json'], { env });
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(warm.code, cold.code);
    // Corrupt both files: same report, no complaint.
    for (const name of entries) {
      const file = path.join(cache, name);
      const buf = fs.readFileSync(file);
      buf[buf.length >> 1] ^= 0x5a;
      fs.writeFileSync(file, buf);
    }
    const corrupt = dbe(['lint', dir, '--format', 'json'], { env });
    assert.equal(corrupt.stdout, cold.stdout);
    // A damaged letter that leaves valid JSON (a message's text): still the real report, from a fresh run.
    const results = path.join(cache, entries[1]);
    fs.writeFileSync(results, fs.readFileSync(results, 'utf8').replace('every column of t3;', 'every colu7n of t3;'));
    assert.match(fs.readFileSync(results, 'utf8'), /colu7n/);
    assert.equal(dbe(['lint', dir, '--format', 'json'], { env }).stdout, cold.stdout);
    assert.equal(corrupt.stderr, cold.stderr);
    for (const name of entries) fs.writeFileSync(path.join(cache, name), 'garbage');
    assert.equal(dbe(['lint', dir, '--format', 'json'], { env }).stdout, cold.stdout);
    assert.equal(dbe(['lint', dir, '--format', 'json', '--no-cache'], { env: { DBE_CACHE_DIR: path.join(TMP, 'never') } }).stdout, cold.stdout);
    assert.equal(fs.existsSync(path.join(TMP, 'never')), false, '--no-cache writes nothing');
  });

  test('the result cache follows edits, configuration and --fix', () => {
    const dir = project({ 'a.sql': EQ_NULL, 'b.sql': CLEAN });
    const env = { DBE_CACHE_DIR: path.join(TMP, 'cache-edits') };
    const count = () => json(dbe(['lint', dir, '--format', 'json'], { env })).files.flatMap((f: any) => f.diagnostics).filter((d: any) => d.rule === 'equals-null').length;
    assert.equal(count(), 1);
    assert.equal(count(), 1);
    fs.writeFileSync(path.join(dir, 'b.sql'), CLEAN + EQ_NULL);
    assert.equal(count(), 2, 'an edited file is re-linted');
    fs.writeFileSync(path.join(dir, 'c.sql'), EQ_NULL);
    assert.equal(count(), 3, 'a new file is linted');
    fs.unlinkSync(path.join(dir, 'c.sql'));
    assert.equal(count(), 2, 'a removed file is gone');
    fs.writeFileSync(path.join(dir, '.dbe.json'), '{"rules": {"equals-null": "off"}}');
    assert.equal(count(), 0, 'a configuration change is seen');
    fs.unlinkSync(path.join(dir, '.dbe.json'));
    assert.equal(count(), 2);
    dbe(['lint', dir, '--fix'], { env });
    assert.equal(count(), 0, 'fixed files are re-linted');
  });

  test('one thread or several: identical output', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      files[`big/${String(i).padStart(3, '0')}_m.sql`] = `CREATE TABLE t${i} (id int PRIMARY KEY, parent_id int REFERENCES t${Math.max(0, i - 1)} (id), price float);\n` +
        `CREATE INDEX t${i}_price ON t${i} (price);\nSELECT * FROM t${i} WHERE parent_id = NULL ORDER BY random() LIMIT 5;\n`;
    }
    for (let i = 0; i < 5; i++) files[`small${i}/a.sql`] = `SELECT * FROM x${i} WHERE a = NULL;\n`;
    const dir = project(files);
    const paths = ['big', 'small0', 'small1', 'small2', 'small3', 'small4'];
    const env = { DBE_PARALLEL_MIN_BYTES: '1' };
    const one = dbe(['lint', ...paths, '--format', 'json', '-j', '1'], { cwd: dir, env });
    const two = dbe(['lint', ...paths, '--format', 'json', '-j', '2'], { cwd: dir, env });
    const three = dbe(['lint', ...paths, '--format', 'json', '--jobs=3', '--no-cache'], { cwd: dir, env });
    assert.equal(one.code, two.code);
    assert.equal(two.stdout, one.stdout);
    assert.equal(three.stdout, one.stdout);
    assert.equal(json(one).files.length, 65);
  });
});

describe('dbe lint reporting of internal errors', () => {
  test('each internal error is one line on stderr, never lost', async () => {
    const { finish } = await import('../server/src/cli/lint-command');
    const out: string[] = [], err: string[] = [];
    const io = { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); }, cwd: TMP };
    const options = { paths: ['x'], format: 'text' as const, fix: false, failOn: 'error' as const, quiet: false, cache: false };
    const result = {
      files: [{ path: path.join(TMP, 'a.sql'), diagnostics: [] }],
      internalErrors: ['internal error in rule some-rule on file a.sql: TypeError: boom (at x.js:1:2)', 'internal error in rule other on the project schema: RangeError: bang'],
      fixesApplied: 0, filesFixed: 0,
    };
    const code = finish(options, io, [result, { ...result, files: [] }], result.files);
    assert.equal(code, 0);
    assert.deepEqual(err, [
      'dbe: internal error in rule some-rule on file a.sql: TypeError: boom (at x.js:1:2)\n',
      'dbe: internal error in rule other on the project schema: RangeError: bang\n',
    ]);
    assert.equal(out.join(''), '1 file, 0 errors, 0 warnings, 0 infos\n');
  });
});

describe('counts read as English: "1 error", never "1 errors" or "1 file(s)"', () => {
  test('the summary and --verbose count one file, one error, one warning in the singular', () => {
    const dir = project({ 'only.sql': 'SELECT * FROM t WHERE a = NULL;\n' });
    const r = dbe(['lint', dir, '--verbose'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim().split('\n').at(-1), '1 file, 1 error, 1 warning, 0 infos');
    assert.match(r.stderr, /no migration tool recognised; 1 file replayed in path order/);
    assert.doesNotMatch(r.stdout + r.stderr, /\b1 (errors|warnings|files)\b|\(s\)/);
    const two = dbe(['lint', project({ 'a.sql': CLEAN, 'b.sql': 'CREATE TABLE u (id bigint PRIMARY KEY);\n' }), '--verbose']);
    assert.match(two.stderr, /2 files replayed in path order/);
    assert.equal(two.stdout.trim(), '2 files, 0 errors, 0 warnings, 0 infos');
  });
});

describe('dbe rules <id>: the rule\'s documentation as shipped', () => {
  test('prints the page after its path; an unknown id is one line and exit 2', () => {
    const r = dbe(['rules', 'equals-null']);
    assert.equal(r.code, 0, r.stderr);
    const page = path.join(ROOT, 'docs', 'rules', 'equals-null.md');
    assert.equal(r.stdout, `# ${page}\n\n${fs.readFileSync(page, 'utf8')}`);
    const j = json(dbe(['rules', 'equals-null', '--format', 'json']));
    assert.equal(j.path, page);
    assert.equal(j.severity, 'error');
    const bad = dbe(['rules', 'no-such-rule']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'dbe: there is no rule "no-such-rule" (dbe rules lists them)\n');
    assert.equal(bad.stdout, '');
    assert.match(dbe(['--help']).stdout, /dbe rules <id> +print a rule's documentation/);
  });
});
