// package.json `contributes.languageModelTools` is what VS Code shows Copilot's agent mode: it must be
// exactly the agent's tools (server/src/agent/tools TOOLS), each with its schema and description, under
// a name VS Code accepts. `npm run docs` regenerates it (scripts/lm-manifest.ts).
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_NAMES } from '../server/src/agent/tool';
import { TOOLS } from '../server/src/agent/tools';
import { agentToolName, lmToolName } from '../client/src/agent/lm-names';
import { lmDescription, withLmTools } from '../scripts/lm-manifest';
import { ROOT } from './helpers';

const text = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
const pkg = JSON.parse(text);
const section: any[] = pkg.contributes.languageModelTools;

describe('languageModelTools in package.json', () => {
  test('is current: regenerating it from TOOLS changes nothing (else run npm run docs)', () => {
    assert.equal(withLmTools(text), text, 'package.json languageModelTools is stale: run `npm run docs`');
  });

  test('one entry per tool, same order, dbe_-prefixed names that map back', () => {
    assert.deepEqual(section.map((t) => t.name), TOOLS.map((t) => `dbe_${t.name}`));
    assert.deepEqual(section.map((t) => agentToolName(t.name)), [...TOOL_NAMES]);
    assert.equal(agentToolName('copilot_readFile'), undefined);
  });

  test('each entry carries the tool\'s own schema, description and title', () => {
    for (const t of TOOLS) {
      const e = section.find((x) => x.name === lmToolName(t.name));
      assert.ok(e, t.name);
      assert.deepEqual(e.inputSchema, t.inputSchema, `${t.name} schema`);
      assert.equal(e.modelDescription, lmDescription(t.description), `${t.name} description`);
      assert.equal(e.displayName, `DB Engineer: ${t.title}`);
      assert.equal(e.toolReferenceName, e.name);
      assert.equal(e.canBeReferencedInPrompt, true);
      assert.deepEqual(e.tags, ['database', 'sql', 'dbe']);
    }
  });

  test('names and tags fit VS Code\'s contribution schema (1.139: ^(?!copilot_|vscode_)[\\w-]+$)', () => {
    for (const e of section) {
      assert.match(e.name, /^(?!copilot_|vscode_)[\w-]+$/);
      assert.match(e.toolReferenceName, /^[\w-]+$/);
      for (const tag of e.tags) assert.doesNotMatch(tag, /^(copilot_|vscode_)/);
      for (const k of ['name', 'displayName', 'modelDescription']) assert.ok(typeof e[k] === 'string' && e[k], `${e.name}: ${k} is required`);
    }
  });

  test('descriptions name the other tools as the model sees them, and leave plain words alone', () => {
    const list = section.find((x) => x.name === 'dbe_list_tables');
    assert.match(list.modelDescription, /then dbe_describe_table for one table/);
    assert.doesNotMatch(JSON.stringify(section), /(?<!dbe_)\b(describe_table|explain_query|validate_migration)\b/);
    assert.equal(lmDescription('read-only health checks'), 'read-only health checks');
  });

  test('a stale section is rewritten in place; a missing one goes after chatParticipants', () => {
    const stale = JSON.parse(text);
    stale.contributes.languageModelTools[0].modelDescription = 'old';
    assert.equal(withLmTools(`${JSON.stringify(stale, null, 2)}\n`), text);
    const none = JSON.parse(text);
    delete none.contributes.languageModelTools;
    const back = withLmTools(`${JSON.stringify(none, null, 2)}\n`);
    assert.equal(back, text);
    const keys = Object.keys(JSON.parse(back).contributes);
    assert.equal(keys[keys.indexOf('chatParticipants') + 1], 'languageModelTools');
  });
});
