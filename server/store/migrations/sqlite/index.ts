import * as init from './0001-init.js';
import * as search from './0002-search.js';
import * as attachments from './0003-attachments.js';
import * as attachmentQuota from './0004-attachment-quota.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order at boot; append only. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init.sql },
  { version: 2, name: 'search', sql: search.sql },
  { version: 3, name: 'attachments', sql: attachments.sql },
  { version: 4, name: 'attachment-quota', sql: attachmentQuota.sql },
];
