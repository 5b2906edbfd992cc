// `dbe review F`: `dbe ask --file F "/review"`; words after the file are added as the user's note.
import type { AskCliOptions } from './args';
import { askCommand, type AskIo } from './ask-command';

export function reviewCommand(o: AskCliOptions, io: AskIo): Promise<number> {
  return askCommand({ ...o, question: `/review ${o.question}`.trim() }, io);
}
