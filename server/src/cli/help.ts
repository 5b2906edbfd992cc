// `dbe --help`.
export const HELP = `dbe: PostgreSQL linting the way a senior DBA reviews it

Usage:
  dbe lint <paths...> [options]   lint .sql files; a directory is one project (one schema)
  dbe advise <paths...> [options] the design report: index recommendations (one per index, with
                                  the queries each serves) and the schema-design findings
  dbe format <paths...> [options] format the statements (sql-formatter); a statement whose formatted
                                  text would parse differently or lose a comment is left as written
  dbe explain <file> --line N     the plan of the query at line N, from the embedded PostgreSQL
                                  (or from a live database with --database URL)
  dbe slow --database URL         the slowest statements of pg_stat_statements, through the rules
  dbe health --database URL       the monitoring report of a live database, a verdict per check
  dbe rules [--format text|json]  list the rules
  dbe rules <id>                  print a rule's documentation (shipped in docs/rules/<id>.md)
  dbe ask [options] "question"    ask the DB Engineer assistant (Claude) about a file of the project
  dbe review <file> [options]     ask for a full review of a file (the /review command)
  dbe mcp [options]               serve the agent tools over MCP on stdio (Claude Code, Cursor, VS Code)
  dbe --version                   print the version
  dbe --help                      print this help

A directory argument is a project: its .sql files (recursively; node_modules, .git and the
configuration's "ignore" globs are skipped) are replayed in migration order into one schema.
File arguments together form one more project. .dbe.json is looked up in the directory (for
files: their common directory) and its parents.

Format options (default: list what would change; .dbe.json "format": keywordCase, tabSize, useTabs):
      --check                     exit 1 when a file would change
  -w, --write                     rewrite the files that change (atomically; every file or none)
      --keyword-case preserve|upper|lower   case of keywords and type names
  -c, --config FILE               use this configuration instead of the nearest .dbe.json

Lint options:
  -f, --format text|json|sarif    output format (default text)
      --fix                       apply the available fixes, rewrite the files, report what remains
  -c, --config FILE               use this configuration instead of the nearest .dbe.json
      --fail-on error|warning     exit 1 when a finding reaches this severity (default error;
                                  info and hint are accepted too; none: never)
  -q, --quiet                     report only findings that reach the --fail-on severity
      --verbose                   print on stderr each project's migration tool, replay order and warnings
      --no-cache                  do not read or write the on-disk parse cache
  -j, --jobs N                    threads to use (default: 1 below 4 CPUs, else half the CPUs, at most 4)
      --sandbox                   also replay the migrations in an embedded PostgreSQL 18 (PGlite) and
                                  check every query against it (postgres-error); "sandbox": true in
                                  .dbe.json does the same, --no-sandbox turns it off
      --sandbox-timeout SECONDS   lint, explain: a sandbox statement running longer is stopped and
                                  reported on that statement (default 60; "sandbox": { "timeoutSeconds" })
      --sandbox-memory MB         lint, explain: the memory a sandbox run may add beyond PGlite's
                                  start (~350 MB); default 1024, from 512 ("sandbox": { "memoryMb" })
      --check-server local|URL    replay the MySQL migrations (the files read as MySQL, in migration
                                  order) on a real server, into a throwaway database dropped afterwards
                                  (server-error): local starts this machine's mariadbd/mysqld on a
                                  temporary data directory; mysql://user@host:3306 names a server
                                  (password from the URL or MYSQL_PWD; never printed)
      --dialect postgres|mysql|mariadb   read the files as this dialect (over .dbe.json's "dialect";
                                  a file name such as x.mysql.up.sql still names its own)

Explain options (the migrations are replayed in the embedded PostgreSQL; the query is never run):
  -l, --line N                    a line of the query (1-based)
  -f, --format text|json          an indented plan tree (default), or EXPLAIN's JSON with the tree
  -p, --project DIR               the project the schema is replayed from (default: current directory)
  -c, --config FILE               use this configuration instead of the nearest .dbe.json
  -d, --database URL              explain on this live database instead (read-only session)
      --analyze                   with --database: EXPLAIN ANALYZE, in a read-only transaction that
                                  is rolled back; refused for INSERT, UPDATE, DELETE and MERGE, and
                                  when the query can call a function that is not PostgreSQL's own
                                  immutable or stable one (decision 0011)

Live database options (lint, explain, slow, health). URL: postgres://user@host:5432/dbname, or
DBE_DATABASE_URL; slow and health also take "database" from .dbe.json. The password comes from
PGPASSWORD or ~/.pgpass, never from a file of the project, and goes to a URL from .dbe.json only
with --trust-config-database. sslmode in the URL as libpq (default prefer). Sessions are read-only.
  -d, --database URL              lint: projects without migrations take their schema from its catalog
      --statement-timeout MS      statement_timeout of the session (default 5000)
      --trust-config-database     slow, health: send the password to the URL .dbe.json names
  -n, --limit N                   slow: how many statements (default 10)
      --order total|mean          slow: by total (default) or mean execution time
  -f, --format text|json          slow, health: output format (default text)

Advise options:
  -f, --format text|markdown|json output format (default text); exit 0, or 2 on usage/input errors
  -c, --config FILE               use this configuration instead of the nearest .dbe.json
      --sandbox                   measure each index in the embedded PostgreSQL: the planner's cost of
                                  every query it serves without and with it, on generated rows
                                  ("sandbox": { "rows": N } in .dbe.json, default 10000 a table)

Ask and review options (the answer streams to stdout; needs ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL
is honoured; the file, the schema of the tables it uses and its findings are sent as context):
      --file F                    the SQL file the question is about (ask only; review takes it first)
  -l, --lines A-B                 only these lines of the file (the statements they touch)
  -p, --project DIR               the project the schema is replayed from (default: current directory)
  -m, --model ID                  model (default claude-sonnet-5-5)
      --max-tokens N              longest answer, in tokens (default 4096)
      --no-tools                  one plain answer: no tools (by default the assistant may list and
                                  describe tables, lint SQL, explain queries, compare indexes and
                                  validate migrations in the embedded PostgreSQL, up to 8 calls; each
                                  call is one line on stderr). Writing a migration asks y/N on the
                                  terminal; without a terminal it is only proposed, never written.
A question may start with a command: /review, /index, /normalize, /migration, /explain.
ask and review exit 1 on an API error (one dbe: line says what to do), 130 when interrupted.

MCP options (dbe mcp speaks the Model Context Protocol on stdin/stdout, logs on stderr; its tools:
list_tables, describe_table, lint_sql, explain_query, compare_index, validate_migration,
write_migration, slow_queries, health; it stops when the client closes stdin):
  -p, --project DIR               the project the tools read (default: current directory)
  -c, --config FILE               use this configuration instead of the nearest .dbe.json
      --allow-write               write_migration writes new files inside the project (never over a
                                  file; the agent client asks you before each tool call); without it,
                                  write_migration only proposes the files

Exit codes: 0 nothing reached the fail level, 1 something did, 2 usage, input or configuration error.
Suppress a finding with a comment on the line(s) above the statement: -- dbe-ignore rule-id
or for the whole file: -- dbe-ignore-file rule-id
`;
