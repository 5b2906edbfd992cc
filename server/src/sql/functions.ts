// PostgreSQL's built-in functions (generated from the catalog by scripts/gen-functions.ts), for
// completion and signature help.
import data from './functions.json';

export interface FunctionSig { args: string; result: string; doc: string }
export interface BuiltinFunction { name: string; kind: 'f' | 'a' | 'w'; sigs: FunctionSig[] }

export const BUILTIN_FUNCTIONS: readonly BuiltinFunction[] = (data as { functions: BuiltinFunction[] }).functions;
/** The PostgreSQL version the list was generated from. */
export const BUILTIN_FUNCTIONS_VERSION: string = (data as { postgres: string }).postgres;

let byName: Map<string, BuiltinFunction> | undefined;
export function builtinFunction(name: string): BuiltinFunction | undefined {
  byName ??= new Map(BUILTIN_FUNCTIONS.map((f) => [f.name, f]));
  return byName.get(name);
}

/** The arguments of a signature, split at top-level commas (`numeric(10,2)` stays whole). */
export function splitArgs(args: string): string[] {
  if (!args.trim()) return [];
  const out: string[] = [];
  let depth = 0, from = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { out.push(args.slice(from, i).trim()); from = i + 1; }
  }
  out.push(args.slice(from).trim());
  return out;
}
