// MySQL / MariaDB's own rules (RuleMeta.dialects ['mysql']): what only these servers do. They read a
// statement's tokens (read.ts) or the MySQL DDL reader, and the schema the MySQL replay builds.
import type { Rule } from '../types';
import { rule as charsetUtf8mb3 } from './charset-utf8mb3';
import { rule as nonInnodbEngine } from './non-innodb-engine';
import { rule as onlineDdlCopy } from './online-ddl-copy';
import { rule as nonTransactionalDdl } from './non-transactional-ddl';
import { rule as timestamp2038 } from './timestamp-2038';
import { rule as removedInMysql8 } from './removed-in-mysql-8';

export const mysqlRules: Rule[] = [charsetUtf8mb3, nonInnodbEngine, onlineDdlCopy, nonTransactionalDdl, timestamp2038, removedInMysql8];
