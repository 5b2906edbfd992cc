// The system prompt: the body of the built-in DB Engineer persona (agents/database-engineer.md, read
// through ../persona), or of a persona file given explicitly; a short built-in prompt when the file
// cannot be read (e.g. not shipped), so the assistant still works.
import { builtInPersonaPath, loadPersona } from '../persona';

export const FALLBACK_PERSONA = [
  'You are DB Engineer, a senior PostgreSQL database engineer reviewing the SQL of the person you work with.',
  'Be direct and specific: ground every point in the schema, the SQL and the static-analysis findings you are given, cite line numbers,',
  'and give corrected SQL. Prioritise correctness and data integrity, then production safety of migrations (locks, rewrites, backfills),',
  'then performance (indexes, plans), then style. Say what you would verify with EXPLAIN (ANALYZE, BUFFERS) or production data,',
  'and say so plainly when the context given is not enough to be sure.',
].join(' ');

/** The persona text and where it came from; `explicit` (a persona file path) wins over the built-in one. */
export function loadSystemPrompt(explicit?: string): { text: string; source: string } {
  const file = explicit ?? builtInPersonaPath();
  try {
    const p = loadPersona(file);
    return { text: p.body, source: p.source };
  } catch {
    return { text: FALLBACK_PERSONA, source: '(built-in)' };
  }
}
