// A MySQL statement in the shared statement model (PostgreSQL's parse tree), for the rules that mean
// the same in both dialects. Stub until the lowering lands: no statement is lowered, so only the
// MySQL front end's own reading (DDL replay, MySQL rules, syntax check) applies.
import type { ParsedStatement } from '../../sql/parse';
import { ByteMap } from '../../text';

export function parseMySqlStatement(text: string): ParsedStatement {
  return { bytes: new ByteMap(text) };
}
