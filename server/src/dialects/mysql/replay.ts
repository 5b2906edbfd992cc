// Stub: MySQL DDL replayed into the shared schema model (see the ddl branch).
import type { Statement } from '../../model';
import type { Schema } from '../../schema';
export function applyMySqlStatement(_schema: Schema, _stmt: Statement): void {}
