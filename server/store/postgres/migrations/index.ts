import * as init from './0001-init.js';
import * as attachments from './0002-attachments.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order at boot, under an advisory lock; append only. */
export const POSTGRES_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'init', sql: init.sql },
  { version: 2, name: 'attachments', sql: attachments.sql },
];
