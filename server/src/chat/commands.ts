// Slash commands of the assistant: each expands to the question it sends. Anything typed after the
// command is appended as the user's own note ("/index the report query is slow at 10M rows").

export interface SlashCommand {
  name: string;
  /** One line for the command list in the panel and in `dbe --help`. */
  description: string;
  question: string;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    name: 'review',
    description: 'full review of the file or selection: checklist, findings, fixes',
    question: [
      'Review the SQL in the context above as a senior database engineer.',
      'Work through your review checklist (correctness, data integrity and constraints, indexing and query performance, locking and migration safety, security, naming and conventions) against the schema and the static-analysis findings given.',
      'Answer in your response format (the recommendation first, then the reasoning, then the details): a short verdict, then each issue ordered by severity with the line it is on, why it matters and the corrected SQL (migrations with their rollback and lock notes), and finally what you would check against production data before shipping.',
      'Confirm or dispute each reported finding, and add what the static analysis cannot see. Do not repeat the whole file back.',
    ].join(' '),
  },
  {
    name: 'index',
    description: 'which indexes the queries need, and which existing ones are redundant',
    question: [
      'Recommend indexes for the queries in the context, given the existing indexes shown in the schema.',
      'For each: the CREATE INDEX CONCURRENTLY statement, the queries it serves, column order and partial/covering choices explained, and its write and storage cost.',
      'Point out existing indexes that are redundant or unused by these queries. Say which EXPLAIN (ANALYZE, BUFFERS) output would confirm each recommendation.',
    ].join(' '),
  },
  {
    name: 'normalize',
    description: 'normal-form and data-modelling review of the tables',
    question: [
      'Review the data model of the tables in the context for normalisation: repeated groups, columns that depend on part of a key or on another non-key column, values that belong in their own table, and missing constraints (keys, foreign keys, NOT NULL, CHECK).',
      'Propose the corrected DDL, and say where deliberate denormalisation is justified and what keeps it consistent.',
    ].join(' '),
  },
  {
    name: 'migration',
    description: 'write or check a safe, zero-downtime migration',
    question: [
      'Check the migration in the context for production safety on large, busy tables: the locks each statement takes and for how long, table rewrites, long scans under ACCESS EXCLUSIVE, and backfills.',
      'Rewrite it as a safe sequence (e.g. CREATE INDEX CONCURRENTLY, NOT VALID then VALIDATE, add nullable then backfill in batches, lock_timeout), split into separate deployable steps where needed, and give the rollback for each step.',
    ].join(' '),
  },
  {
    name: 'explain',
    description: 'explain what the SQL does and how PostgreSQL will execute it',
    question: [
      'Explain what the SQL in the context does, in plain language, and how PostgreSQL is likely to execute it with the schema and indexes shown: the probable plan shape, join methods, and which indexes it can use.',
      'Point out anything likely to be slow or wrong, and what to look for in EXPLAIN (ANALYZE, BUFFERS).',
    ].join(' '),
  },
];

export const SLASH_BY_NAME: ReadonlyMap<string, SlashCommand> = new Map(SLASH_COMMANDS.map((c) => [c.name, c]));

/**
 * Expands a typed message: "/review", "/index extra words" or plain text. Unknown commands are
 * returned as an error so the caller can say which commands exist.
 */
export function expandSlash(input: string): { question: string; command?: string } | { error: string } {
  const m = /^\s*\/([A-Za-z-]+)\b\s*([\s\S]*)$/.exec(input);
  if (!m) return { question: input.trim() };
  const cmd = SLASH_BY_NAME.get(m[1].toLowerCase());
  if (!cmd) return { error: `unknown command /${m[1]} (commands: ${SLASH_COMMANDS.map((c) => '/' + c.name).join(', ')})` };
  const note = m[2].trim();
  return { command: cmd.name, question: note ? `${cmd.question}\n\nThe user adds: ${note}` : cmd.question };
}
