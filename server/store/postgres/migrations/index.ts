import * as init from './0001-init.js';
import * as attachments from './0002-attachments.js';
import * as attachmentQuota from './0003-attachment-quota.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order at boot, under an advisory lock; append only. */
export const POSTGRES_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'init', sql: init.sql },
  { version: 2, name: 'attachments', sql: attachments.sql },
  { version: 3, name: 'attachment-quota', sql: attachmentQuota.sql },
];
