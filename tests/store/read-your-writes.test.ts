import pino from 'pino';
import uws from 'uWebSockets.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEnv } from '../../server/config/env.js';
import { registerConversationRoutes } from '../../server/routers/conversations-router.js';
import { registerUsageRoutes } from '../../server/routers/usage-router.js';
import type { Store } from '../../server/store/store.js';
import type { TenantBudgets } from '../../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../../server/tenants/tenant-directory.js';

const log = pino({ level: 'silent' });
const order: string[] = [];
let release = () => undefined as void;
let socket: uws.us_listen_socket | undefined;
let base = '';

/** A store that records when it is read, and writes still pending for the person until `release`. */
const store = {
  usageFor: async () => (order.push('read usage'), []),
  usageAll: async () => [],
  attachmentBytesUsed: async () => 0,
  listConversations: async () => (order.push('read list'), { items: [] }),
} as unknown as Store;

beforeAll(async () => {
  const app = uws.App();
  const identity = { env: parseEnv({ TEST_MODE: 'false' }), log };
  const written = (user: string) => {
    order.push(`wait ${user}`);
    return new Promise<void>((resolve) => (release = () => (order.push('written'), resolve())));
  };
  const budgets = { status: async () => undefined } as unknown as TenantBudgets;
  registerUsageRoutes(app, { store, tenants: TenantDirectory.implicit(), budgets, identity, log, written });
  registerConversationRoutes(app, { store, tenants: TenantDirectory.implicit(), identity, log, written });
  await new Promise<void>((resolve) => app.listen('127.0.0.1', 0, (s) => ((socket = s), resolve())));
  base = `http://127.0.0.1:${uws.us_socket_local_port(socket!)}`;
});
afterAll(() => {
  if (socket) uws.us_listen_socket_close(socket);
});

for (const [path, read] of [['/api/usage', 'read usage'], ['/api/conversations', 'read list']] as const) {
  it(`${path} reads only after the person's pending writes (an answer that just ended is counted)`, async () => {
    order.length = 0;
    const answer = fetch(`${base}${path}`, { headers: { 'X-EMAIL-USER': 'ann@example.com' } });
    await expect.poll(() => order).toEqual(['wait ann@example.com']);
    release();
    expect((await answer).status).toBe(200);
    expect(order).toEqual(['wait ann@example.com', 'written', read]);
  });
}
