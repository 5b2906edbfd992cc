// Where a rule's documentation is: docs/rules/<id>.md, shipped in the package beside dist/ (the
// .vsix and the npm package carry docs/rules/**). Diagnostics link to that file, so the editor opens
// it inside itself, and `dbe rules <id>` prints it; the web page is only the fallback for a copy of
// the server that runs without its docs folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const DOCS_BASE_URL = 'https://github.com/db-engineer/db-engineer/blob/main/docs/rules/';

let found: { dir: string; files: Set<string> } | null | undefined;

/** The shipped docs/rules folder and its pages, looked up once; null when this installation has none. */
function docs(): { dir: string; files: Set<string> } | null {
  if (found !== undefined) return found;
  found = null;
  // dist/server.js and dist/cli.js: ../docs/rules; running from sources (server/src): ../../docs/rules
  for (const dir of [path.join(__dirname, '..', 'docs', 'rules'), path.join(__dirname, '..', '..', 'docs', 'rules')]) {
    try {
      const files = new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.md')));
      if (files.size) { found = { dir, files }; break; }
    } catch { /* not here */ }
  }
  return found;
}

/** The path of the rule's page in this installation, when it has one. */
export function ruleDocPath(rule: string): string | undefined {
  const d = docs();
  if (!d || !/^[a-z0-9-]+$/.test(rule) || !d.files.has(`${rule}.md`)) return undefined;
  return path.join(d.dir, `${rule}.md`);
}

/** The link a diagnostic carries: the shipped page as a file URI, else the repository's page. */
export function ruleDocLink(rule: string): string {
  const p = ruleDocPath(rule);
  return p ? pathToFileURL(p).href : `${DOCS_BASE_URL}${encodeURIComponent(rule)}.md`;
}
