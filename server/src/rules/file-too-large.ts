import type { Rule } from './types';

// Reported by the engine itself (engine/project.ts buildFile) for a file it did not analyse; metadata
// only, so the finding has a documentation page and a severity like every other.
export const rule: Rule = {
  meta: {
    id: 'file-too-large',
    title: 'File not analysed',
    category: 'general',
    severity: 'warning',
    principle: 'Never guess: a file that was not read is said to be unread, not passed as clean.',
    rationale:
      'The file was not analysed, so nothing in it was checked and what it creates is missing from the schema the other files are judged against. The message says why: it is larger than `maxFileBytes` (2 MiB by default; its size on disk is what counts), it holds NUL bytes (not a SQL text file), or it could not be read: permission denied, a symbolic link to a file that does not exist or a link loop, or not a regular file at all (a named pipe, a socket or a device, which are never opened).',
    bad: '-- db/seed/all_events.sql: 3.1 MB of generated INSERTs\nINSERT INTO events (id, kind) VALUES (1, \'signup\');\n-- ... 40,000 more lines',
    good: '-- .dbe.json: a larger limit for this project, or "ignore": ["db/seed/**"]\n-- {"maxFileBytes": 4000000}',
    fixable: false,
    notes:
      'A file that cannot be read is one finding on it and the run goes on; its permissions or the link are for you to fix. Generated data (seeds, dumps) is usually better listed in `ignore` than analysed.',
  },
};
