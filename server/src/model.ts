// The engine's data model: files, statements, findings and fixes. Offsets are UTF-16 offsets into
// the file's text; conversion to LSP positions happens at the edges (LSP handlers, CLI output).
import type { Node, ParsedStatement } from './sql/parse';
import type { SplitResult } from './sql/split';
import type { LineIndex } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeveritySetting = Severity | 'off';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

export interface SourceFile {
  /** Absolute path (CLI) or URI string (editor): the key the project knows the file by. */
  path: string;
  text: string;
  lines: LineIndex;
  split: SplitResult;
  statements: Statement[];
  /** A down (rollback) migration: linted, but its DDL is not replayed into the schema. */
  isDown: boolean;
  /** Its DDL is replayed into the schema: not a down migration, and matched by migrations.include when set. */
  replayed: boolean;
  /** Set when the file was not analysed (too large); the reason becomes one diagnostic. */
  skipped?: string;
}

export interface Statement {
  file: SourceFile;
  index: number;
  /** Offsets of the statement in the file (first token .. after `;`). */
  start: number;
  end: number;
  /** Masked statement text as parsed. */
  text: string;
  templated: boolean;
  parsed: ParsedStatement;
  /** e.g. "CreateStmt"; undefined when the statement did not parse. */
  kind?: string;
  /** The statement's payload (node[kind]). */
  node?: Node;
}

/**
 * A change to one file. With `create`, the file does not exist yet: it is created holding `newText`
 * (start and end are 0), and creating it fails rather than overwrite a file that appeared meanwhile.
 */
export interface TextEdit { path: string; start: number; end: number; newText: string; create?: boolean }
export interface Fix { title: string; edits: TextEdit[] }

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  path: string;
  start: number;
  end: number;
  fixes?: Fix[];
}

/** A location in the workspace, by file path and offsets. */
export interface Loc { path: string; start: number; end: number }
