// package.json `contributes.languageModelTools`, generated from the agent's tools (server/src/agent/tools):
// VS Code's Language Model API reads the name, descriptions and input schema from the manifest, so they
// are written from TOOLS and cannot drift. `npm run docs` writes them; test/lm-manifest.test.ts fails
// when package.json is stale. See docs/decisions/0042-language-model-tools.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_NAMES } from '../server/src/agent/tool';
import { TOOLS } from '../server/src/agent/tools';
import { lmToolName } from '../client/src/agent/lm-names';

const ROOT = path.resolve(__dirname, '..');
export const PACKAGE_JSON = path.join(ROOT, 'package.json');

export interface LmToolContribution {
  name: string;
  toolReferenceName: string;
  displayName: string;
  modelDescription: string;
  userDescription: string;
  canBeReferencedInPrompt: boolean;
  tags: string[];
  inputSchema: unknown;
}

/** A description with the other tools' names as the Language Model API knows them (describe_table → dbe_describe_table); one-word names (health) are left alone, they are also English words. */
export function lmDescription(text: string): string {
  return text.replace(new RegExp(`\\b(${TOOL_NAMES.filter((n) => n.includes('_')).join('|')})\\b`, 'g'), (n) => lmToolName(n));
}

/** The languageModelTools section for the current TOOLS. */
export function lmToolsSection(): LmToolContribution[] {
  return TOOLS.map((t) => ({
    name: lmToolName(t.name),
    toolReferenceName: lmToolName(t.name),
    displayName: `DB Engineer: ${t.title}`,
    modelDescription: lmDescription(t.description),
    userDescription: lmDescription(t.description.split(/(?<=\.)\s/)[0]),
    canBeReferencedInPrompt: true,
    tags: ['database', 'sql', 'dbe'],
    inputSchema: t.inputSchema,
  }));
}

/** package.json's text with the section replaced (inserted after chatParticipants when missing). */
export function withLmTools(text: string): string {
  const pkg = JSON.parse(text);
  const contributes: Record<string, unknown> = {};
  const section = lmToolsSection();
  let placed = false;
  for (const [k, v] of Object.entries(pkg.contributes ?? {})) {
    if (k === 'languageModelTools') { contributes[k] = section; placed = true; continue; }
    contributes[k] = v;
    if (k === 'chatParticipants' && !('languageModelTools' in pkg.contributes)) { contributes.languageModelTools = section; placed = true; }
  }
  if (!placed) contributes.languageModelTools = section;
  pkg.contributes = contributes;
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

if (require.main === module) {
  const before = fs.readFileSync(PACKAGE_JSON, 'utf8');
  const after = withLmTools(before);
  if (after !== before) fs.writeFileSync(PACKAGE_JSON, after);
  process.stdout.write(`languageModelTools: ${lmToolsSection().length} tools${after === before ? ' (unchanged)' : ' written to package.json'}\n`);
}
