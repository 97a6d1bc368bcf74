import * as init from './0001-init.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order at boot, under an advisory lock; append only. */
export const POSTGRES_MIGRATIONS: readonly PgMigration[] = [{ version: 1, name: 'init', sql: init.sql }];
