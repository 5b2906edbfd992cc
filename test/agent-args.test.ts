// The agent's command lines: dbe ask and dbe mcp name the live database for slow_queries and health.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../server/src/cli/args';

test('dbe ask --database URL and -d URL reach the tool context; the question stays whole', () => {
  const a = parseArgs(['ask', '--database', 'postgres://me@db/app', 'why', 'slow?']);
  assert.equal(a.kind, 'ask');
  if (a.kind !== 'ask') return;
  assert.equal(a.options.database, 'postgres://me@db/app');
  assert.equal(a.options.question, 'why slow?');
  const b = parseArgs(['ask', '-d', 'mysql://me@db/app', 'q']);
  assert.equal(b.kind === 'ask' && b.options.database, 'mysql://me@db/app');
});

test('dbe mcp --database URL; a missing value is a usage error naming the option', () => {
  const a = parseArgs(['mcp', '--project', '.', '--database=postgres://me@db/app']);
  assert.equal(a.kind === 'mcp' && a.options.database, 'postgres://me@db/app');
  assert.throws(() => parseArgs(['mcp', '--database']), (e: unknown) => e instanceof UsageError && /--database/.test((e as Error).message));
});
