import type { Rule } from '../types';
import { rule as deleteWithoutWhere } from './delete-without-where';
import { rule as dynamicSqlConcatenation } from './dynamic-sql-concatenation';
import { rule as equalsNull } from './equals-null';
import { rule as leadingWildcardLike } from './leading-wildcard-like';
import { rule as limitWithoutOrderBy } from './limit-without-order-by';
import { rule as missingIndex } from './missing-index';
import { rule as nonSargablePredicate } from './non-sargable-predicate';
import { rule as notInSubquery } from './not-in-subquery';
import { rule as orderByRandom } from './order-by-random';
import { rule as selectStar } from './select-star';
import { rule as updateWithoutWhere } from './update-without-where';
import { rule as unknownColumn } from './unknown-column';
import { rule as unknownRelation } from './unknown-relation';

export const queryRules: Rule[] = [
  equalsNull,
  selectStar,
  limitWithoutOrderBy,
  notInSubquery,
  orderByRandom,
  nonSargablePredicate,
  leadingWildcardLike,
  updateWithoutWhere,
  deleteWithoutWhere,
  dynamicSqlConcatenation,
  missingIndex,
  unknownRelation,
  unknownColumn,
];
