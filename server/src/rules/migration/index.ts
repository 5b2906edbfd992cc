import type { Rule } from '../types';

export const migrationRules: Rule[] = [];
