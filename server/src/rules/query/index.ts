import type { Rule } from '../types';
import { rule as equalsNull } from './equals-null';

export const queryRules: Rule[] = [equalsNull];
