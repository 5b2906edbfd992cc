// Helpers for the MySQL replay tests and benchmark: Statement objects built from a file's text with
// splitMySql (the engine's MySQL branch builds them for real), and a whole project replayed in order.
import type { SourceFile, Statement } from '../server/src/model';
import { Schema } from '../server/src/schema';
import { splitMySql } from '../server/src/dialects/mysql/split';
import { applyMySqlStatement, type MySqlFlavor } from '../server/src/dialects/mysql/replay';
import { ByteMap, LineIndex } from '../server/src/text';

/** The statements of a MySQL file, as the replay receives them. */
export function mysqlStatements(text: string, path = '/project/schema.sql'): Statement[] {
  const split = splitMySql(text);
  const file = { path, text, lines: new LineIndex(text), split, statements: [], isDown: false, replayed: true } as unknown as SourceFile;
  const out = split.statements.map((s, index): Statement => ({
    file, index, start: s.start, end: s.end, text: s.text, templated: s.templated,
    parsed: { bytes: new ByteMap(s.text) },
  }));
  (file as { statements: Statement[] }).statements = out;
  return out;
}

/** Replays MySQL files (path -> text, in the order given) into one schema. */
export function replayMySql(files: [string, string][] | string, schema = new Schema(), flavor?: MySqlFlavor): Schema {
  const list: [string, string][] = typeof files === 'string' ? [['/project/schema.sql', files]] : files;
  for (const [path, text] of list) for (const s of mysqlStatements(text, path)) applyMySqlStatement(schema, s, flavor);
  return schema;
}
