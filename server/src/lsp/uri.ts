// URIs are the project's path keys in the editor. Keys are normalised so that a file found by the
// workspace scan and the same file opened by the client are one entry.
import * as path from 'node:path';
import { URI } from 'vscode-uri';

export function uriKey(uri: string): string {
  try { return URI.parse(uri).toString(); } catch { return uri; }
}

export function fileUriKey(fsPath: string): string { return URI.file(fsPath).toString(); }

/** Local file system path of a file: URI, or undefined (untitled and other schemes). */
export function fsPathOf(key: string): string | undefined {
  try {
    const u = URI.parse(key);
    return u.scheme === 'file' ? u.fsPath : undefined;
  } catch { return undefined; }
}

/** Forward-slash path of `key` relative to the folder URI, or undefined when outside it. */
export function relativeTo(folderUri: string, key: string): string | undefined {
  let f: URI, k: URI;
  try { f = URI.parse(folderUri); k = URI.parse(key); } catch { return undefined; }
  if (f.scheme !== k.scheme || f.authority !== k.authority) return undefined;
  const rel = path.posix.relative(f.path, k.path);
  if (!rel || rel.startsWith('..') || path.posix.isAbsolute(rel)) return undefined;
  return rel;
}
