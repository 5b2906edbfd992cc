// Long work in slices: the language server runs analysis, parsing and workspace scans a few
// milliseconds at a time and lets the event loop answer requests (hover, code actions...) and read
// newer document versions in between. Work whose input changed meanwhile is given up, not finished.
import { splitStatements } from '../sql/split';
import { parseStatement } from '../sql/parse';
import { inputPending } from './transport';

/** How long one slice may run before the event loop gets its turn. */
export const SLICE_MS = 8;

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs a generator to its end in slices of about SLICE_MS, yielding to the event loop in between.
 * Before each slice after the first, `alive()` is asked: false stops the generator (its finally
 * blocks run) and resolves undefined.
 */
export async function runSliced<T>(steps: Generator<void, T, void>, alive: () => boolean, sliceMs = SLICE_MS): Promise<T | undefined> {
  let first = true;
  for (;;) {
    if (!first) {
      await turn();
      if (!alive()) { steps.return(undefined as T); return undefined; }
    }
    first = false;
    const until = performance.now() + sliceMs;
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() >= until) break;
    }
  }
}

/**
 * Parses a document's statements in slices (the parse cache keeps them), so that building the file
 * afterwards (Project.setFile) costs no parsing. False when `alive()` turned false first.
 */
export async function warmParses(text: string, alive: () => boolean): Promise<boolean> {
  function* steps(): Generator<void, true, void> {
    const split = splitStatements(text);
    yield;
    for (const s of split.statements) { parseStatement(s.text); yield; }
    return true;
  }
  return (await runSliced(steps(), alive)) === true;
}

/**
 * Before publishing a result: lets messages that are arriving (a message partly read) or already read
 * be handled first, since a newer version of the document may be among them. Waits at most about ten
 * seconds for a message in transit (vscode-jsonrpc's own patience with a partial message). True when
 * the result is still wanted (`alive()`).
 */
export async function inputSettled(alive: () => boolean): Promise<boolean> {
  for (let i = 0; i < 2000 && inputPending(); i++) {
    await new Promise((r) => setTimeout(r, 5));
    if (!alive()) return false;
  }
  for (let i = 0; i < 3; i++) { await turn(); if (!alive()) return false; }
  return true;
}
