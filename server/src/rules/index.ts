// The rule registry. Each rule lives in its own file under its category folder.
import { rule as syntaxError } from './syntax-error';
import { rule as postgresError } from './postgres-error';
import { rule as serverError } from './server-error';
import { rule as fileTooLarge } from './file-too-large';
import { rule as otherDialect } from './other-dialect';
import { migrationRules } from './migration';
import { queryRules } from './query';
import { schemaRules } from './schema';
import { mysqlRules } from './mysql';
import type { Rule } from './types';

/** The rules the engine runs (Project.analyze). */
export const ALL_RULES: readonly Rule[] = [syntaxError, ...queryRules, ...schemaRules, ...migrationRules, ...mysqlRules];
/** Findings the sandbox reports (server/src/sandbox/); metadata only, for docs and configuration. */
export const SANDBOX_RULES: readonly Rule[] = [postgresError, serverError];
/** Findings the engine reports about a file it did not analyse; metadata only, for docs and configuration. */
export const ENGINE_FINDINGS: readonly Rule[] = [fileTooLarge, otherDialect];
/** Every documented rule: the engine's and the sandbox's. */
export const DOCUMENTED_RULES: readonly Rule[] = [...ALL_RULES, ...ENGINE_FINDINGS, ...SANDBOX_RULES];
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(DOCUMENTED_RULES.map((r) => [r.meta.id, r]));
/** Ids the engine itself reports (not rules with checks) but that configuration may name. */
export const ENGINE_RULE_IDS = ['syntax-error', 'file-too-large', 'other-dialect', 'postgres-error', 'server-error'] as const;
export const KNOWN_RULE_IDS: ReadonlySet<string> = new Set([...RULES_BY_ID.keys(), ...ENGINE_RULE_IDS]);
export type { Rule } from './types';
