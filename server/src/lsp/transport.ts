// The connection's transport, guarded against broken or early protocol input.
// - Framing (stdio): every message needs a `Content-Length: <digits>` header (at most MAX_BODY_BYTES),
//   header lines are `Name: value`, a header block ends within MAX_HEADER_BYTES. A stream that breaks
//   this has lost its framing for good (the next message's start cannot be found), so the server says
//   why on stderr, in one line, and exits with code 1 instead of staying alive and deaf. The framing is
//   read by vscode-jsonrpc; this check only watches the same bytes, strictly, and never alters them.
// - A body that is not JSON keeps the framing intact: vscode-jsonrpc skips it; the next message is read.
// - Before `initialize`, a request gets ServerNotInitialized (-32002) and a notification other than
//   `exit` is dropped (LSP 3.17, "initialize request").
import {
  Emitter, ErrorCodes, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter,
  type DataCallback, type Disposable, type Message, type MessageReader, type MessageWriter, type PartialMessageInfo,
} from 'vscode-languageserver/node';

export const MAX_HEADER_BYTES = 8 * 1024;
/** Larger than any message a client sends for a document under the 2 MB analysis limit (JSON escapes included). */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');

/** Watches a stream of LSP frames; calls `fail(reason)` once at the first broken header. */
export class FramingCheck {
  private header: Buffer = Buffer.alloc(0);
  /** Body bytes of the current message still to come (-1: reading a header). */
  private body = -1;
  private failed = false;

  constructor(private readonly fail: (reason: string) => void, private readonly maxBody = MAX_BODY_BYTES) {}

  /** True while a message has started to arrive but is not complete. */
  get midMessage(): boolean { return this.body > 0 || this.header.length > 0; }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.failed) {
      if (this.body > 0) {
        const n = Math.min(this.body, chunk.length - at);
        this.body -= n;
        at += n;
        if (this.body === 0) this.body = -1;
        continue;
      }
      // a header: collect up to the blank line (only header bytes are kept, never bodies)
      const before = this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(at, Math.min(chunk.length, at + MAX_HEADER_BYTES + 4))]);
      const end = this.header.indexOf(CRLF2);
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) return this.stop(`a message header longer than ${MAX_HEADER_BYTES} bytes`);
        at = chunk.length;
        continue;
      }
      at += end + 4 - before;
      const text = this.header.subarray(0, end).toString('ascii');
      this.header = Buffer.alloc(0);
      const length = this.contentLength(text);
      if (length === undefined) return;
      this.body = length === 0 ? -1 : length;
    }
  }

  private contentLength(header: string): number | undefined {
    let length: number | undefined;
    for (const line of header.split('\r\n')) {
      const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!m) { this.stop(`a header line that is not "Name: value" (${JSON.stringify(line.slice(0, 60))})`); return undefined; }
      if (m[1].toLowerCase() !== 'content-length') continue;
      if (!/^\d{1,12}$/.test(m[2])) { this.stop(`Content-Length is not a number of bytes (${JSON.stringify(m[2].slice(0, 40))})`); return undefined; }
      length = Number(m[2]);
      if (length > this.maxBody) { this.stop(`Content-Length ${length} is over the ${this.maxBody}-byte limit`); return undefined; }
    }
    if (length === undefined) this.stop('a message header without Content-Length');
    return length;
  }

  private stop(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.fail(reason);
  }
}

const isRequest = (m: any): m is { id: number | string; method: string } => typeof m?.method === 'string' && (typeof m.id === 'number' || typeof m.id === 'string');
const isNotification = (m: any): m is { method: string } => typeof m?.method === 'string' && m.id === undefined;

/** Passes messages on once `initialize` has come; before, answers requests with -32002 and drops notifications. */
export class GatedReader implements MessageReader {
  initialized = false;
  shutdownReceived = false;
  private readonly partial = new Emitter<PartialMessageInfo>();

  constructor(private readonly inner: MessageReader, private readonly writer: MessageWriter) {}

  get onError() { return this.inner.onError; }
  get onClose() { return this.inner.onClose; }
  get onPartialMessage() { return this.inner.onPartialMessage ?? this.partial.event; }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((msg: Message) => {
      if (isRequest(msg)) {
        if (msg.method === 'initialize') this.initialized = true;
        else if (!this.initialized) {
          void this.writer.write({ jsonrpc: '2.0', id: msg.id, error: { code: ErrorCodes.ServerNotInitialized, message: `The server is not initialized: ${String(msg.method).slice(0, 80)} came before initialize.` } } as Message)
            .catch(() => { /* client gone */ });
          return;
        }
        if (msg.method === 'shutdown') this.shutdownReceived = true;
      } else if (isNotification(msg) && !this.initialized && msg.method !== 'exit') {
        return;
      }
      callback(msg);
    });
  }

  dispose(): void { this.inner.dispose(); this.partial.dispose(); }
}

let stdioCheck: FramingCheck | undefined;
/** True while a message from the client is partly received (stdio): a newer document version may be on its way. */
export function inputPending(): boolean { return !!stdioCheck?.midMessage; }

/** One line on stderr (never a stack trace), then exit code 1. */
function die(reason: string): never {
  try { process.stderr.write(`dbe-language-server: protocol framing error: ${reason}; stopping (the client may restart the server).\n`); } catch { /* stderr gone */ }
  process.exit(1);
}

/**
 * Reader and writer for the transport the command line asks for (stdio without a flag). Undefined for
 * --socket and --pipe, which vscode-languageserver sets up itself (without the checks above).
 */
export function guardedTransport(argv: string[]): { reader: GatedReader; writer: MessageWriter } | undefined {
  const has = (t: string) => argv.some((a) => a === t || a.startsWith(t + '='));
  if (has('--socket') || has('--pipe')) return undefined;
  if (has('--node-ipc')) {
    const writer = new IPCMessageWriter(process);
    return { reader: new GatedReader(new IPCMessageReader(process), writer), writer };
  }
  const check = stdioCheck = new FramingCheck(die);
  process.stdin.on('data', (chunk: Buffer) => check.push(chunk)); // before the reader's own listener
  const writer = new StreamMessageWriter(process.stdout);
  const reader = new GatedReader(new StreamMessageReader(process.stdin), writer);
  // what vscode-languageserver does for stdio streams: the client closing stdin ends the server
  const end = () => process.exit(reader.shutdownReceived ? 0 : 1);
  process.stdin.on('end', end);
  process.stdin.on('close', end);
  // stdout carries the protocol: nothing else may print there
  for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) console[k] = (...a: unknown[]) => { process.stderr.write(a.map(String).join(' ') + '\n'); };
  return { reader, writer };
}
