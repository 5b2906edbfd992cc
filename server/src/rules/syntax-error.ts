import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    id: 'syntax-error',
    title: 'Statement does not parse',
    category: 'general',
    severity: 'error',
    principle: 'Version control schema changes: a migration that PostgreSQL rejects is a broken deploy.',
    rationale:
      'The statement is read with PostgreSQL\'s own parser; the message is PostgreSQL\'s. The other statements of the file are still analysed. Templated SQL (Go or Jinja placeholders, psql variables and meta-commands) is masked first and never reported here.',
    bad: 'SELEC id FROM users;',
    good: 'SELECT id FROM users;',
    fixable: false,
  },
};
