// The schema-design rules: judged once over the final schema, reported where the definition was written.
import type { Rule } from '../types';
import { rule as missingPrimaryKey } from './missing-primary-key';
import { rule as intPrimaryKey } from './int-primary-key';
import { rule as timestampWithoutTimeZone } from './timestamp-without-time-zone';
import { rule as floatForMoney } from './float-for-money';
import { rule as charN } from './char-n';
import { rule as fkWithoutIndex } from './fk-without-index';
import { rule as missingForeignKey } from './missing-foreign-key';
import { rule as redundantIndex } from './redundant-index';
import { rule as softDeleteIndexMissingPredicate } from './soft-delete-index-missing-predicate';
import { rule as repeatingColumnGroup } from './repeating-column-group';
import { rule as multiValuedColumn } from './multi-valued-column';
import { rule as eavTable } from './eav-table';
import { rule as partitionCandidate } from './partition-candidate';
import { rule as fkTypeMismatch } from './fk-type-mismatch';

export const schemaRules: Rule[] = [
  missingPrimaryKey,
  intPrimaryKey,
  timestampWithoutTimeZone,
  floatForMoney,
  charN,
  fkWithoutIndex,
  missingForeignKey,
  redundantIndex,
  softDeleteIndexMissingPredicate,
  repeatingColumnGroup,
  multiValuedColumn,
  eavTable,
  partitionCandidate,
  fkTypeMismatch,
];
