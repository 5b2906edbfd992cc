import type { Rule } from '../types';
import { rule as addColumnNotNullWithoutDefault } from './add-column-not-null-without-default';
import { rule as addForeignKeyWithoutNotValid } from './add-foreign-key-without-not-valid';
import { rule as alterColumnType } from './alter-column-type';
import { rule as breakingRename } from './breaking-rename';
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction';
import { rule as createIndexNonConcurrently } from './create-index-non-concurrently';
import { rule as dropIndexNonConcurrently } from './drop-index-non-concurrently';
import { rule as reindexNonConcurrently } from './reindex-non-concurrently';
import { rule as refreshMatviewNonConcurrently } from './refresh-matview-non-concurrently';
import { rule as detachPartitionNonConcurrently } from './detach-partition-non-concurrently';
import { rule as identifierTooLong } from './identifier-too-long';
import { rule as enumValueUsedInSameTransaction } from './enum-value-used-in-same-transaction';
import { rule as destructiveChange } from './destructive-change';
import { rule as setNotNullOnExistingColumn } from './set-not-null-on-existing-column';
import { rule as missingRollback } from './missing-rollback';
import { rule as missingLockTimeout } from './missing-lock-timeout';
import { rule as tableRewrite } from './table-rewrite';
import { rule as addCheckWithoutNotValid } from './add-check-without-not-valid';
import { rule as validateInSameTransaction } from './validate-in-same-transaction';
import { rule as transactionNesting } from './transaction-nesting';

export const migrationRules: Rule[] = [
  createIndexNonConcurrently,
  concurrentlyInTransaction,
  addColumnNotNullWithoutDefault,
  addForeignKeyWithoutNotValid,
  setNotNullOnExistingColumn,
  alterColumnType,
  destructiveChange,
  breakingRename,
  missingRollback,
  dropIndexNonConcurrently,
  reindexNonConcurrently,
  refreshMatviewNonConcurrently,
  detachPartitionNonConcurrently,
  identifierTooLong,
  enumValueUsedInSameTransaction,
  missingLockTimeout,
  tableRewrite,
  addCheckWithoutNotValid,
  validateInSameTransaction,
  transactionNesting,
];
