// The on-disk parse cache: libpg-query's output (parse trees and token lists, as JSON text) keyed by
// statement text, one file per project, so a second run over unchanged files skips the WebAssembly
// parser. Safe by construction: a file that is truncated, corrupt or from another parser version
// is ignored (checked by magic, version, sizes and a CRC-32); files are replaced atomically
// (write to a temporary file, then rename), so concurrent runs never see half a file.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { version as parserVersion } from 'libpg-query/package.json';
import type { ParseStore } from '../sql/parse';
import type { MySqlVerdictStore } from '../dialects/mysql/syntax';
import { VERSION } from './version';
import { terminalSafe } from './terminal';

const MAGIC = 0x43454244; // "DBEC"
const FORMAT = 1;
const HEADER = 16;
/** A project's cache file is not written beyond this size. */
const MAX_BYTES = 64 * 1024 * 1024;
// 'mysql': MySQL / MariaDB syntax verdicts (dialects/mysql/syntax.ts), keyed by grammar version, flavor and text
const KINDS = ['parse', 'scan', 'mysql'] as const;
type Kind = (typeof KINDS)[number];

const crc32: ((b: Uint8Array) => number) | undefined = (zlib as any).crc32;

/** Where cache files live: $DBE_CACHE_DIR, $XDG_CACHE_HOME/dbe, ~/.cache/dbe, or the temp directory. */
export function cacheDir(): string {
  if (process.env.DBE_CACHE_DIR) return path.resolve(process.env.DBE_CACHE_DIR);
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'dbe');
  let home = '';
  try { home = os.homedir(); } catch { /* no home */ }
  return home ? path.join(home, '.cache', 'dbe') : path.join(os.tmpdir(), 'dbe-cache');
}

/** The cache file of a project (by its root and what it holds). */
export function cacheFileFor(root: string, files: string[] | undefined): string {
  const h = crypto.createHash('sha1');
  h.update(`${FORMAT}\0${VERSION}\0${parserVersion}\0${root}\0`);
  if (files) h.update(files.join('\0'));
  return path.join(cacheDir(), `parse-${h.digest('hex').slice(0, 20)}.bin`);
}

/** kind (0 parse, 1 scan, 2 mysql), statement text, JSON. */
export type CacheEntry = [number, string, string];

interface Entry { kind: number; key: string; start: number; end: number; value?: string }

export class DiskParseCache implements ParseStore, MySqlVerdictStore {
  private buf: Buffer | undefined;
  private readonly old: Map<string, Entry>[] = KINDS.map(() => new Map());
  private readonly used: Map<string, string>[] = KINDS.map(() => new Map());
  private added = 0;
  hits = 0;
  misses = 0;

  constructor(readonly file: string) {}

  /** Reads the cache file; any problem leaves the cache empty. */
  load(): this {
    let buf: Buffer;
    try { buf = fs.readFileSync(this.file); } catch { return this; }
    try {
      if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== FORMAT) return this;
      const count = buf.readUInt32LE(8);
      if (crc32 && (crc32(buf.subarray(HEADER)) >>> 0) !== buf.readUInt32LE(12)) return this;
      const entries: Entry[] = [];
      let p = HEADER;
      for (let i = 0; i < count; i++) {
        if (p + 9 > buf.length) return this;
        const kind = buf[p], kl = buf.readUInt32LE(p + 1), vl = buf.readUInt32LE(p + 5);
        p += 9;
        if (kind >= KINDS.length || p + kl + vl > buf.length) return this;
        entries.push({ kind, key: buf.toString('utf8', p, p + kl), start: p + kl, end: p + kl + vl });
        p += kl + vl;
      }
      if (p !== buf.length) return this;
      for (const e of entries) this.old[e.kind].set(e.key, e);
      this.buf = buf;
      // Marks the file as recently used, for pruning.
      try { const now = new Date(); fs.utimesSync(this.file, now, now); } catch { /* read-only: fine */ }
    } catch { /* corrupt: start empty */ }
    return this;
  }

  get(kind: Kind, text: string): string | undefined {
    const k = KINDS.indexOf(kind);
    const done = this.used[k].get(text);
    if (done !== undefined) return done;
    const e = this.old[k].get(text);
    if (!e || !this.buf) { this.misses++; return undefined; }
    const v = this.buf.toString('utf8', e.start, e.end);
    this.used[k].set(text, v);
    this.hits++;
    return v;
  }

  set(kind: Kind, text: string, json: string): void {
    const k = KINDS.indexOf(kind);
    if (!this.used[k].has(text)) { this.used[k].set(text, json); this.added++; this.fresh.push([k, text, json]); }
  }

  private readonly fresh: CacheEntry[] = [];
  /** Entries this run added (a shard sends them to the shard that writes the file). */
  addedEntries(): CacheEntry[] { return this.fresh; }
  /** Takes another shard's new entries. */
  merge(entries: CacheEntry[]): void {
    for (const [k, text, json] of entries) if (!this.used[k].has(text)) { this.used[k].set(text, json); this.added++; }
  }

  /** True when this run produced entries the file does not have. */
  get dirty(): boolean { return this.added > 0; }

  /**
   * Writes the entries used in this run (hits and new ones; entries no longer used are dropped).
   * Never throws: a cache that cannot be written only costs speed.
   */
  save(): void {
    if (!this.dirty) return;
    try {
      let size = HEADER, count = 0;
      const rows: [number, string, string, number, number][] = [];
      for (let k = 0; k < KINDS.length; k++) {
        for (const [key, value] of this.used[k]) {
          const kl = Buffer.byteLength(key, 'utf8'), vl = Buffer.byteLength(value, 'utf8');
          if (size + 9 + kl + vl > MAX_BYTES) break;
          rows.push([k, key, value, kl, vl]);
          size += 9 + kl + vl;
          count++;
        }
      }
      const buf = Buffer.allocUnsafe(size);
      let p = HEADER;
      for (const [k, key, value, kl, vl] of rows) {
        buf[p] = k; buf.writeUInt32LE(kl, p + 1); buf.writeUInt32LE(vl, p + 5);
        p += 9;
        p += buf.write(key, p, kl, 'utf8');
        p += buf.write(value, p, vl, 'utf8');
      }
      buf.writeUInt32LE(MAGIC, 0); buf.writeUInt32LE(FORMAT, 4); buf.writeUInt32LE(count, 8);
      buf.writeUInt32LE(crc32 ? crc32(buf.subarray(HEADER)) >>> 0 : 0, 12);
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(tmp, buf);
        fs.renameSync(tmp, this.file);
        pruneCacheDir(path.dirname(this.file), path.basename(this.file));
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* already gone */ }
        throw e;
      }
    } catch (e: any) {
      if (process.env.DBE_DEBUG) process.stderr.write(terminalSafe(`dbe: parse cache not written (${e?.message ?? e})\n`));
    }
  }
}

/** Cache files kept per directory; beyond this, the least recently written are removed. */
const MAX_FILES = 64;

function pruneCacheDir(dir: string, keep: string): void {
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => (n.startsWith('parse-') || n.startsWith('results-')) && n !== keep); } catch { return; }
  const now = Date.now();
  const stale: { f: string; t: number }[] = [];
  for (const n of names) {
    const f = path.join(dir, n);
    try {
      const t = fs.statSync(f).mtimeMs;
      // Temporary files of runs that died long ago.
      if (n.endsWith('.tmp') && now - t > 3600_000) { fs.unlinkSync(f); continue; }
      if (n.endsWith('.bin') || n.endsWith('.json')) stale.push({ f, t });
    } catch { /* removed meanwhile */ }
  }
  if (stale.length < MAX_FILES) return;
  stale.sort((a, b) => a.t - b.t);
  for (const { f } of stale.slice(0, stale.length - MAX_FILES + 1)) try { fs.unlinkSync(f); } catch { /* already gone */ }
}
