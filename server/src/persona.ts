// Chat personas: Markdown files with a small front matter block (name, description)
// whose body becomes the system prompt. The built-in persona ships in agents/;
// a trusted workspace may add its own under .dbe/agents/*.md.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Persona {
  name: string;
  description: string;
  body: string;
  /** Where the persona came from: a file path, or whatever label the caller passed. */
  source: string;
  /** True for the persona shipped with DB Engineer. */
  builtIn?: boolean;
}

export interface PersonaLoadError {
  file: string;
  message: string;
}

export interface PersonaList {
  personas: Persona[];
  errors: PersonaLoadError[];
}

export class PersonaError extends Error {
  constructor(readonly source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = 'PersonaError';
  }
}

export const BUILT_IN_PERSONA_FILE = 'database-engineer.md';
export const WORKSPACE_PERSONA_DIR = path.join('.dbe', 'agents');

function unquote(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    const last = value[value.length - 1];
    if ((first === '"' || first === "'") && first === last) return value.slice(1, -1);
  }
  return value;
}

/**
 * Splits a persona file into its front matter fields and its Markdown body.
 * The front matter is a block between two lines holding only `---`, made of
 * `key: value` lines (blank lines and `#` comments are ignored). `name` is required.
 */
export function parsePersona(text: string, source: string): Persona {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length === 0 || lines[0].trim() !== '---') {
    throw new PersonaError(source, 'missing front matter: the file must start with a line containing only "---"');
  }
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) throw new PersonaError(source, 'unterminated front matter: no closing "---" line');

  const fields = new Map<string, string>();
  for (let i = 1; i < end; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const m = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) throw new PersonaError(source, `front matter line ${i + 1} is not "key: value": ${line.trim()}`);
    const key = m[1].toLowerCase();
    if (fields.has(key)) throw new PersonaError(source, `front matter key "${key}" appears twice`);
    fields.set(key, unquote(m[2]));
  }

  const name = fields.get('name') ?? '';
  if (!name) throw new PersonaError(source, 'front matter has no "name"');
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
    throw new PersonaError(source, `persona name "${name}" may only contain letters, digits, ".", "_" and "-"`);
  }
  const body = lines.slice(end + 1).join('\n').trim();
  if (!body) throw new PersonaError(source, 'persona has no body after the front matter');
  return { name, description: fields.get('description') ?? '', body, source };
}

export function loadPersona(file: string): Persona {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PersonaError(file, `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parsePersona(text, file);
}

/**
 * Path of the shipped persona. The bundles live in dist/ (agents/ is one level up);
 * under tsx this module runs from server/src/ (agents/ is two levels up).
 */
export function builtInPersonaPath(): string {
  const candidates = [
    path.join(__dirname, '..', 'agents', BUILT_IN_PERSONA_FILE),
    path.join(__dirname, '..', '..', 'agents', BUILT_IN_PERSONA_FILE),
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}

/**
 * The built-in persona plus, in a trusted workspace, every `.dbe/agents/*.md`.
 * Problems are collected in `errors` rather than thrown. A workspace persona may not
 * reuse the built-in persona's name, nor the name of another workspace persona.
 */
export function listPersonas(workspaceRoot: string | undefined, trusted: boolean): PersonaList {
  const personas: Persona[] = [];
  const errors: PersonaLoadError[] = [];
  const record = (file: string, e: unknown) => errors.push({ file, message: e instanceof Error ? e.message : String(e) });

  const builtIn = builtInPersonaPath();
  try {
    personas.push({ ...loadPersona(builtIn), builtIn: true });
  } catch (e) {
    record(builtIn, e);
  }

  if (!workspaceRoot || !trusted) return { personas, errors };
  const dir = path.join(workspaceRoot, WORKSPACE_PERSONA_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') record(dir, e);
    return { personas, errors };
  }
  for (const entry of names.filter((n) => n.toLowerCase().endsWith('.md')).sort()) {
    const file = path.join(dir, entry);
    try {
      if (!fs.statSync(file).isFile()) continue;
      const p = loadPersona(file);
      if (personas.some((q) => q.name === p.name)) {
        throw new PersonaError(file, `persona name "${p.name}" is already taken`);
      }
      personas.push(p);
    } catch (e) {
      record(file, e);
    }
  }
  return { personas, errors };
}
