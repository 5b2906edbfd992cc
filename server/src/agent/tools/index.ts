// The tool registry and the one way to call a tool: runTool checks the name and the input against
// the schema, runs the tool, and turns anything thrown into an error answer the model can read (no
// stack trace reaches the model or the user).
import type { InputSchema, ToolContext, ToolName, ToolResult, ToolSpec } from '../tool';
import { TOOL_NAMES } from '../tool';
import { compareIndex } from './compare-index';
import { describeTable } from './describe-table';
import { explainQuery } from './explain-query';
import { health } from './health';
import { lintSql } from './lint-sql';
import { listTables } from './list-tables';
import { slowQueries } from './slow-queries';
import { validateMigration } from './validate-migration';
import { writeMigration } from './write-migration';

export const TOOLS: readonly ToolSpec[] = [
  listTables, describeTable, lintSql, explainQuery, compareIndex, validateMigration, writeMigration, slowQueries, health,
];
export const TOOLS_BY_NAME: ReadonlyMap<string, ToolSpec> = new Map(TOOLS.map((t) => [t.name, t]));

/** Largest tool answer handed to a model; longer answers are cut with a note. */
export const MAX_RESULT_CHARS = 20_000;

/** Why `input` does not fit the schema, or undefined. */
export function inputProblem(schema: InputSchema, input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return 'the input must be a JSON object';
  const obj = input as Record<string, unknown>;
  for (const k of schema.required ?? []) {
    if (obj[k] === undefined || obj[k] === null || obj[k] === '') return `"${k}" is required`;
  }
  for (const [k, v] of Object.entries(obj)) {
    const p = schema.properties[k];
    if (!p) {
      if (schema.additionalProperties === false) return `unknown field "${k}" (known: ${Object.keys(schema.properties).join(', ') || 'none'})`;
      continue;
    }
    if (v === undefined || v === null) continue;
    const t = p.type;
    const ok = t === 'string' ? typeof v === 'string'
      : t === 'number' ? typeof v === 'number' && Number.isFinite(v)
      : t === 'boolean' ? typeof v === 'boolean'
      : t === 'array' ? Array.isArray(v)
      : true;
    if (!ok) return `"${k}" must be a ${t}`;
    if (p.enum && !p.enum.includes(v as string)) return `"${k}" must be one of ${p.enum.join(', ')}`;
    if (typeof v === 'number' && ((p.minimum !== undefined && v < p.minimum) || (p.maximum !== undefined && v > p.maximum))) {
      return `"${k}" must be between ${p.minimum ?? '-∞'} and ${p.maximum ?? '∞'}`;
    }
  }
  return undefined;
}

/** Runs a tool by name. Never throws: a bad name, bad input or a failure is an isError answer. */
export async function runTool(name: string, input: unknown, ctx: ToolContext): Promise<ToolResult> {
  const tool = TOOLS_BY_NAME.get(name);
  if (!tool) return { text: `There is no tool "${name}". The tools are: ${TOOL_NAMES.join(', ')}.`, summary: `unknown tool ${name}`, isError: true };
  const problem = inputProblem(tool.inputSchema, input ?? {});
  if (problem) return { text: `${name}: ${problem}.`, summary: `${name}: bad input (${problem})`, isError: true };
  if (ctx.signal?.aborted) return { text: 'Cancelled by the user.', summary: `${name}: cancelled`, isError: true };
  try {
    const r = await tool.run((input ?? {}) as Record<string, unknown>, ctx);
    return r.text.length > MAX_RESULT_CHARS
      ? { ...r, text: `${r.text.slice(0, MAX_RESULT_CHARS)}\n… (cut at ${MAX_RESULT_CHARS} characters of ${r.text.length})` }
      : r;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 500);
    return { text: `${name} failed: ${msg}`, summary: `${name} failed`, isError: true };
  }
}

/** The tools as the Anthropic Messages API takes them. */
export function anthropicTools(names: readonly ToolName[] = TOOL_NAMES): { name: string; description: string; input_schema: InputSchema }[] {
  return TOOLS.filter((t) => names.includes(t.name)).map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
}
