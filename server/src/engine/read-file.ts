// Reading a SQL file from disk, safely: only a regular file is ever opened (a named pipe would block
// the read forever, a device could act on open), and a file that cannot be read becomes a reason
// shown as a finding on it, never an exception that stops the run. Shared by the CLI and the
// language server's workspace scan.
import * as fs from 'node:fs';
import { isUtf8, sha256 } from './safe-write';

export interface DiskSource {
  /** The file's text (UTF-8; invalid bytes become U+FFFD). Empty when `unreadable`. */
  text: string;
  /** Its size in bytes on disk (what maxFileBytes is compared with). */
  size: number;
  /** Why it was not read ("it is a named pipe (FIFO), not a regular file"), when it was not. */
  unreadable?: string;
  /** With forWrite: sha256 of the bytes read, when the whole file was read (--fix writes only over these bytes). */
  hash?: string;
  /** With forWrite: false when the bytes are not valid UTF-8 (the text then holds U+FFFD) or were not read whole (never rewritten). */
  utf8?: boolean;
}

/** Beyond this size a file is not read whole: the engine only needs to know it is too large. */
const HUGE = 64 * 1024 * 1024;
// O_NONBLOCK: if a regular file is swapped for a FIFO between the stat and the open, the open returns at once.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** What kind of non-regular file `st` is, in words. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'an unusual kind of file';
}

function reasonOf(file: string, e: any): string {
  const code: string | undefined = e?.code;
  if (code === 'ENOENT') {
    let link = false;
    try { link = fs.lstatSync(file).isSymbolicLink(); } catch { /* gone */ }
    return link ? 'it is a symbolic link to a file that does not exist' : 'it no longer exists';
  }
  if (code === 'ELOOP') return 'it is a symbolic link loop';
  if (code === 'EACCES' || code === 'EPERM') return `it cannot be read (${code}: permission denied)`;
  return `it cannot be read (${code ?? String(e?.message ?? e)})`;
}

/**
 * Reads `file` (following symbolic links) if it is a regular file; never throws, never blocks on a pipe.
 * `forWrite` (--fix): also the hash and UTF-8 check that writing it back needs; reading to analyse skips them.
 */
export function readDiskSource(file: string, maxFileBytes: number, o: { forWrite?: boolean } = {}): DiskSource {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch (e) { return { text: '', size: 0, unreadable: reasonOf(file, e) }; }
  if (!st.isFile()) return { text: '', size: 0, unreadable: `it is ${kindOf(st)}, not a regular file` };
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) return { text: '', size: 0, unreadable: `it is ${kindOf(fst)}, not a regular file` };
    const size = fst.size;
    if (size > maxFileBytes && size > HUGE) {
      // Read just past the limit: the engine reports the file as too large without the rest.
      const buf = Buffer.alloc(maxFileBytes + 1);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      return { text: buf.subarray(0, n).toString('utf8'), size, utf8: false };
    }
    const buf = fs.readFileSync(fd);
    const text = buf.toString('utf8');
    return o.forWrite ? { text, size: buf.length, hash: sha256(buf), utf8: isUtf8(buf) } : { text, size: buf.length };
  } catch (e) {
    return { text: '', size: 0, unreadable: reasonOf(file, e) };
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* ignore */ }
  }
}
