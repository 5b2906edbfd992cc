// Writing fixed files without harm: every file is checked first (still the bytes that were analysed,
// valid UTF-8, writable, inside the project roots once links are resolved), then written to a
// temporary file in its own folder and renamed over the original, keeping its mode. Either every
// file of the batch is written or none is: a failure while renaming puts back the files already
// replaced. Node only (fs): the CLI's --fix uses it; the editor writes through the client.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PlannedWrite {
  /** Absolute path. */
  path: string;
  /** The new content (written as UTF-8). */
  text: string;
  /** sha256 (hex) of the bytes read when the file was analysed; absent for a new file. */
  hash?: string;
  /** A new file: it must not exist (it is never overwritten). */
  create?: boolean;
}

export function sha256(bytes: Uint8Array): string { return createHash('sha256').update(bytes).digest('hex'); }

const strict = new TextDecoder('utf-8', { fatal: true });
/** True when `bytes` are valid UTF-8 (a file that is not is never rewritten: its bytes would change). */
export function isUtf8(bytes: Uint8Array): boolean {
  try { strict.decode(bytes); return true; } catch { return false; }
}

function realOrSelf(p: string): string {
  try { return fs.realpathSync.native(p); } catch { return path.resolve(p); }
}

function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Why writing `file` could land outside every root (the path itself, or where its links lead), or
 * undefined when it stays inside. For a file that does not exist yet its nearest existing folder is
 * resolved.
 */
export function outsideRoots(file: string, roots: readonly string[]): string | undefined {
  const abs = path.resolve(file);
  if (!roots.some((r) => within(path.resolve(r), abs))) return 'it is outside the project';
  let probe = abs;
  while (!fs.existsSync(probe)) {
    // a dangling link still exists as a link: refuse to write through it
    try { fs.lstatSync(probe); return 'it is a link that leads nowhere'; } catch { /* absent */ }
    const up = path.dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  const real = realOrSelf(probe);
  if (!roots.some((r) => within(realOrSelf(r), real))) return 'it is a link that leads outside the project';
  return undefined;
}

/** Why an existing file cannot be rewritten in place (read-only), or undefined. */
export function notWritable(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return 'it is not a regular file';
    // the owner's write bit: honoured even when running as root, who could write anyway
    if ((st.mode & 0o200) === 0) return 'it is read-only';
    fs.accessSync(file, fs.constants.W_OK);
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
    return undefined;
  } catch (e: any) {
    return e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS' ? 'it is read-only' : `it cannot be checked (${e?.code ?? e?.message})`;
  }
}

export type WriteOutcome = { ok: true } | { ok: false; message: string };

interface Prepared {
  plan: PlannedWrite;
  /** Where the bytes go: the file itself, or what its link (inside the project) points to. */
  target: string;
  data: Buffer;
  /** The file's mode, kept; undefined for a new file (the umask decides, as for any new file). */
  mode?: number;
  original?: Buffer;
  tmp?: string;
  done?: boolean;
}

/**
 * Writes every planned file, or none. `display` turns a path into what the user reads. `beforeCommit`
 * runs after the temporary files are written and before any is renamed (tests use it to change a
 * file at the worst moment).
 */
export function writeAllOrNothing(plans: readonly PlannedWrite[], roots: readonly string[], display: (p: string) => string = (p) => p, beforeCommit?: () => void): WriteOutcome {
  const prepared: Prepared[] = [];
  // 1. check everything before writing anything
  for (const plan of plans) {
    const where = outsideRoots(plan.path, roots);
    if (where) return { ok: false, message: `${display(plan.path)}: ${where}` };
    if (plan.create) {
      if (exists(plan.path)) return { ok: false, message: `${display(plan.path)}: a file of that name appeared meanwhile` };
      prepared.push({ plan, target: path.resolve(plan.path), data: Buffer.from(plan.text, 'utf8') });
      continue;
    }
    const ro = notWritable(plan.path);
    if (ro) return { ok: false, message: `${display(plan.path)}: ${ro}` };
    let original: Buffer;
    try { original = fs.readFileSync(plan.path); } catch (e: any) { return { ok: false, message: `${display(plan.path)}: cannot read it again (${e?.code ?? e?.message})` }; }
    if (plan.hash === undefined || sha256(original) !== plan.hash) return { ok: false, message: `${display(plan.path)} changed on disk since it was read` };
    if (!isUtf8(original)) return { ok: false, message: `${display(plan.path)}: not rewritten: not UTF-8` };
    // a link inside the project stays a link: its target is rewritten
    prepared.push({ plan, target: realOrSelf(plan.path), data: Buffer.from(plan.text, 'utf8'), mode: fs.statSync(plan.path).mode & 0o7777, original });
  }
  // 2. temporary files beside their targets
  const madeDirs: string[] = [];
  const cleanup = () => {
    for (const p of prepared) if (p.tmp && !p.done) try { fs.unlinkSync(p.tmp); } catch { /* gone */ }
    for (const d of madeDirs.reverse()) try { fs.rmdirSync(d); } catch { /* not empty or gone */ }
  };
  try {
    for (const p of prepared) {
      const dir = path.dirname(p.target);
      if (p.plan.create) mkdirs(dir, madeDirs);
      p.tmp = path.join(dir, `.${path.basename(p.target)}.dbe-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      writeSynced(p.tmp, p.data, p.mode);
    }
  } catch (e: any) {
    cleanup();
    return { ok: false, message: `cannot write ${display(prepared.find((p) => p.tmp && !exists(p.tmp))?.plan.path ?? prepared[0].plan.path)}: ${e?.code ?? e?.message}` };
  }
  beforeCommit?.();
  // 3. the last look: nobody changed a file while the temporary files were written
  for (const p of prepared) {
    if (p.plan.create ? exists(p.target) : !sameBytes(p.target, p.original!)) {
      cleanup();
      return { ok: false, message: p.plan.create ? `${display(p.plan.path)}: a file of that name appeared meanwhile` : `${display(p.plan.path)} changed on disk since it was read` };
    }
  }
  // 4. rename (or link, for a new file: never over a file that appeared) one by one; undo on failure
  for (const p of prepared) {
    try {
      if (p.plan.create) { fs.linkSync(p.tmp!, p.target); fs.unlinkSync(p.tmp!); } else fs.renameSync(p.tmp!, p.target);
      p.done = true;
    } catch (e: any) {
      const failed = `cannot write ${display(p.plan.path)}: ${e?.code ?? e?.message}`;
      const unrestored = rollback(prepared.filter((q) => q.done), display);
      cleanup();
      return { ok: false, message: unrestored.length ? `${failed}; could not restore ${unrestored.join(', ')}` : failed };
    }
  }
  return { ok: true };
}

/** Puts back the files already replaced (new ones are removed). Returns those it could not restore. */
function rollback(done: Prepared[], display: (p: string) => string): string[] {
  const failed: string[] = [];
  for (const p of done.reverse()) {
    try {
      if (p.plan.create) fs.unlinkSync(p.target);
      else {
        const tmp = path.join(path.dirname(p.target), `.${path.basename(p.target)}.dbe-${process.pid}-${randomBytes(4).toString('hex')}.restore`);
        writeSynced(tmp, p.original!, p.mode);
        fs.renameSync(tmp, p.target);
      }
      p.done = false;
      p.tmp = undefined;
    } catch {
      failed.push(display(p.plan.path));
    }
  }
  return failed;
}

function writeSynced(file: string, data: Buffer, mode: number | undefined): void {
  const fd = fs.openSync(file, 'wx', mode ?? 0o666);
  try {
    for (let at = 0; at < data.length;) at += fs.writeSync(fd, data, at, data.length - at);
    if (mode !== undefined) fs.fchmodSync(fd, mode); // the umask narrowed openSync's mode
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function mkdirs(dir: string, made: string[]): void {
  if (exists(dir)) return;
  mkdirs(path.dirname(dir), made);
  fs.mkdirSync(dir);
  made.push(dir);
}

function exists(p: string): boolean {
  try { fs.lstatSync(p); return true; } catch { return false; }
}

function sameBytes(file: string, bytes: Buffer): boolean {
  try { return fs.readFileSync(file).equals(bytes); } catch { return false; }
}
