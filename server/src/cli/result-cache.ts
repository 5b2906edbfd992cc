// The on-disk result cache: a project's whole report, kept while nothing that could change it has
// changed: the same files with the same contents, the same configuration, the same working
// directory (paths in reports are relative to it), the same dbe build (a hash of the running
// bundle itself, so any change to a rule invalidates it) and the same parser. Any file edited,
// added or removed means a miss, and then the per-statement parse cache still saves the parsing.
// Only used from the bundle (dist/cli.js); from sources there is no single build to hash.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { version as parserVersion } from 'libpg-query/package.json';
import type { ProjectSpec } from './collect';
import type { ProjectResult } from './lint-project';
import { cacheDir } from './parse-cache';
import { VERSION } from './version';
import { terminalSafe } from './terminal';

const FORMAT = 2;
let buildId: string | null | undefined;

/** Hash of the running bundle; null when not running from one (result caching is then off). */
function build(): string | null {
  if (buildId === undefined) {
    buildId = null;
    if (__filename.endsWith('.js') && process.env.DBE_RESULT_CACHE !== '0') {
      try { buildId = crypto.createHash('sha1').update(fs.readFileSync(__filename)).digest('hex'); } catch { buildId = null; }
    }
  }
  return buildId;
}

export class ResultCache {
  private readonly file: string;
  private readonly key: string;

  private constructor(file: string, key: string) { this.file = file; this.key = key; }

  /** A cache for this project and these file contents, or undefined when result caching is off. */
  static for(spec: ProjectSpec, sources: { path: string; text: string; size: number; unreadable?: string }[], cwd: string): ResultCache | undefined {
    const id = build();
    if (!id) return undefined;
    const h = crypto.createHash('sha1');
    h.update(`${FORMAT}\0${VERSION}\0${id}\0${parserVersion}\0${cwd}\0${spec.root}\0${spec.kind}\0${JSON.stringify(spec.config)}\0`);
    for (const s of sources) h.update(`${s.path}\0${s.size}\0${s.unreadable ?? ''}\0${s.text.length}\0`).update(s.text).update('\0');
    // a sqitch.plan decides the replay order of its deploy scripts (engine/conventions.ts): part of the input
    const plans = new Set<string>();
    for (const s of sources) {
      const m = /^(.*)[\\/](deploy|revert|verify)[\\/]/.exec(s.path);
      if (m) plans.add(m[1] + path.sep + 'sqitch.plan');
    }
    for (const f of [...plans].sort()) {
      let text = '';
      try { text = fs.readFileSync(f, 'utf8'); } catch { text = '\u0000absent'; }
      h.update(`${f}\0${text.length}\0`).update(text).update('\0');
    }
    const name = crypto.createHash('sha1').update(`${spec.root}\0${spec.kind}\0${spec.kind === 'files' ? spec.files.join('\0') : ''}`).digest('hex').slice(0, 20);
    return new ResultCache(path.join(cacheDir(), `results-${name}.json`), h.digest('hex'));
  }

  load(): ProjectResult | undefined {
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (raw?.key !== this.key || !Array.isArray(raw.result?.files) || !Array.isArray(raw.result?.internalErrors)) return undefined;
      // a damaged byte can leave valid JSON (a letter of a message changed): the sum catches it
      if (raw.sum !== sum(JSON.stringify(raw.result))) return undefined;
      // Marks the file as recently used, for pruning.
      try { const now = new Date(); fs.utimesSync(this.file, now, now); } catch { /* read-only: fine */ }
      return { files: raw.result.files, internalErrors: raw.result.internalErrors, fixesApplied: 0, filesFixed: 0 };
    } catch {
      return undefined;
    }
  }

  /** Never throws: a cache that cannot be written only costs speed. */
  save(result: ProjectResult): void {
    try {
      const body = JSON.stringify({ files: result.files, internalErrors: result.internalErrors });
      const text = `{"key":${JSON.stringify(this.key)},"sum":${JSON.stringify(sum(body))},"result":${body}}`;
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, this.file);
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* already gone */ }
        throw e;
      }
    } catch (e: any) {
      if (process.env.DBE_DEBUG) process.stderr.write(terminalSafe(`dbe: result cache not written (${e?.message ?? e})\n`));
    }
  }
}

/** The checksum of a cached result's text. */
function sum(text: string): string { return crypto.createHash('sha1').update(text).digest('hex'); }
