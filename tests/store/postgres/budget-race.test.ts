import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresStore } from '../../../server/store/postgres/postgres-store.js';
import type { BudgetRequest } from '../../../server/store/store.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';

/** Two stores with two pools on one database: two Galaxy instances sharing a budget. */
describeWithPostgres('PostgreSQL budgets across instances', () => {
  let server: TestPostgres;
  let instances: PostgresStore[];
  beforeAll(async () => {
    server = await startPostgres();
    instances = await Promise.all([0, 1].map(() => PostgresStore.open(server.url, { max: 10, connectTimeoutMs: 5000 })));
  });
  afterAll(async () => {
    await Promise.all((instances ?? []).map((s) => s.close()));
    await server?.stop();
  });

  const now = new Date('2026-06-10T12:00:00Z');
  const request = (tenant: string, over: Partial<BudgetRequest> = {}): BudgetRequest => ({
    tenant, month: '2026-06', requests: 1, promptTokens: 100, completionTokens: 50, limits: {}, ttlMs: 60_000, now, ...over,
  });

  it('lets exactly N of 40 racing reservations through when only N fit', async () => {
    const fit = 7;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => instances[i % 2]!.reserveBudget(request('race', { limits: { promptTokens: fit * 100 } }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(fit);
    // Both instances won some: the race really was between them.
    const winners = new Set(results.flatMap((r, i) => (r.ok ? [i % 2] : [])));
    expect(winners.size).toBe(2);
    expect(await instances[1]!.budgetUsed('race', '2026-06', now)).toEqual({ requests: fit, promptTokens: fit * 100, completionTokens: fit * 50 });
  });

  it('never overshoots while instances reserve and settle at the same time', async () => {
    const limit = { requests: 10 };
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2]!.reserveBudget(request('mixed', { limits: limit }))));
    const held = first.flatMap((r) => (r.ok ? [r.reservationId] : []));
    expect(held).toHaveLength(10);
    // Settling keeps each request counted, so the racing reserves must all be refused.
    const [, racing] = await Promise.all([
      Promise.all(held.map((id, i) => instances[(i + 1) % 2]!.settleBudget(id, { promptTokens: 10, completionTokens: 5 }, now))),
      Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.reserveBudget(request('mixed', { limits: limit })))),
    ]);
    expect(racing.filter((r) => r.ok)).toHaveLength(0);
    expect(await instances[0]!.budgetUsed('mixed', '2026-06', now)).toEqual({ requests: 10, promptTokens: 100, completionTokens: 50 });
  });

  it('counts a settle from the other instance exactly once, even when both settle the same reservation', async () => {
    const r = await instances[0]!.reserveBudget(request('twice'));
    if (!r.ok) throw new Error('reserve refused');
    await Promise.all(instances.map((s) => s.settleBudget(r.reservationId, { promptTokens: 40, completionTokens: 4 }, now)));
    expect(await instances[0]!.budgetUsed('twice', '2026-06', now)).toEqual({ requests: 1, promptTokens: 40, completionTokens: 4 });
  });

  it('sweeps holds expired for over a day, while a late settle within the day still counts', async () => {
    const stale = await instances[0]!.reserveBudget(request('sweep', { ttlMs: 1000 }));
    const late = await instances[0]!.reserveBudget(request('sweep', { ttlMs: 1000 }));
    if (!stale.ok || !late.ok) throw new Error('reserve refused');
    const hourLater = new Date(now.getTime() + 3_600_000);
    await instances[1]!.settleBudget(late.reservationId, { promptTokens: 7, completionTokens: 1 }, hourLater);
    expect(await instances[1]!.budgetUsed('sweep', '2026-06', hourLater)).toEqual({ requests: 1, promptTokens: 7, completionTokens: 1 });
    // Two days on, a reserve sweeps the stale hold: settling it then changes nothing.
    const twoDaysLater = new Date(now.getTime() + 48 * 3_600_000);
    expect((await instances[1]!.reserveBudget(request('other', { now: twoDaysLater }))).ok).toBe(true);
    await instances[0]!.settleBudget(stale.reservationId, { promptTokens: 1000, completionTokens: 1000 }, twoDaysLater);
    expect(await instances[0]!.budgetUsed('sweep', '2026-06', twoDaysLater)).toEqual({ requests: 1, promptTokens: 7, completionTokens: 1 });
  });
});
