// The rule registry. Each rule lives in its own file under its category folder.
import { rule as syntaxError } from './syntax-error';
import { migrationRules } from './migration';
import { queryRules } from './query';
import { schemaRules } from './schema';
import type { Rule } from './types';

export const ALL_RULES: readonly Rule[] = [syntaxError, ...queryRules, ...schemaRules, ...migrationRules];
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(ALL_RULES.map((r) => [r.meta.id, r]));
/** Ids the engine itself reports (not rules with checks) but that configuration may name. */
export const ENGINE_RULE_IDS = ['syntax-error', 'file-too-large'] as const;
export const KNOWN_RULE_IDS: ReadonlySet<string> = new Set([...RULES_BY_ID.keys(), ...ENGINE_RULE_IDS]);
export type { Rule } from './types';
