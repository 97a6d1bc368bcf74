import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../../../server/store/postgres/postgres-store.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { attachmentQuotaContract } from '../attachment-quota-contract.js';
import { partialIndexContract } from '../partial-index-contract.js';
import { storeContract } from '../store-contract.js';

/** The same contract suite as SQLite's, on a real PostgreSQL: one fresh database per test. */
describeWithPostgres('PostgreSQL store', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  storeContract('PostgreSQL', async () => PostgresStore.open(await server.createDatabase(), { max: 10, connectTimeoutMs: 5000 }));
  attachmentQuotaContract('PostgreSQL', async () => PostgresStore.open(await server.createDatabase(), { max: 10, connectTimeoutMs: 5000 }));
  partialIndexContract('PostgreSQL', async () => {
    const url = await server.createDatabase();
    const open = () => PostgresStore.open(url, { max: 10, connectTimeoutMs: 5000 });
    return { store: await open(), reopen: open };
  });
});
