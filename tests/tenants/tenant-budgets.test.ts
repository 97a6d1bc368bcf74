import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { budgetMonth, nextBudgetReset } from '../../server/tenants/budget-month.js';
import { TenantBudgets } from '../../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../../server/tenants/tenant-directory.js';
import { parseTenantsDocument } from '../../server/tenants/tenants-file.js';

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function directory(budget: Record<string, number>) {
  return TenantDirectory.fromFile(parseTenantsDocument({ tenants: [{ id: 'acme', members: ['*@acme.example'], budget }] }, {}));
}

function budgets(budget: Record<string, number>, clock: { now: Date }, options: { timeZone?: string; store?: SqliteStore } = {}) {
  const store = options.store ?? SqliteStore.open(':memory:');
  stores.push(store);
  return { store, budgets: new TenantBudgets(store, directory(budget), { timeZone: options.timeZone ?? 'UTC', reservationTtlMs: 60_000, now: () => clock.now }) };
}

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('TenantBudgets', () => {
  const clock = { now: new Date('2026-03-10T12:00:00Z') };

  it('stops at exactly the monthly request limit', async () => {
    const { budgets: b } = budgets({ monthly_requests: 3 }, clock);
    for (let i = 0; i < 3; i++) await (await b.reserve('acme', 10, 50))!.settle({ promptTokens: 10, completionTokens: 5 });
    const err = await refusal(b.reserve('acme', 10, 50));
    expect(err.code).toBe('BUDGET_EXCEEDED');
    expect(err.details).toEqual({ tenant: 'acme', resetsAt: '2026-04-01T00:00:00.000Z' });
    expect(err.message).toMatch(/requests; it resets on 1 April 2026/);
  });

  it('stops input tokens at their limit: a call that would pass it is refused, a smaller one still fits', async () => {
    const { budgets: b } = budgets({ monthly_input_tokens: 100 }, clock);
    await (await b.reserve('acme', 40, 10))!.settle({ promptTokens: 40, completionTokens: 1 });
    await (await b.reserve('acme', 40, 10))!.settle({ promptTokens: 40, completionTokens: 1 });
    expect((await refusal(b.reserve('acme', 21, 10))).code).toBe('BUDGET_EXCEEDED');
    await (await b.reserve('acme', 20, 10))!.settle({ promptTokens: 20, completionTokens: 1 });
    expect((await b.status('acme'))!.used.inputTokens).toBe(100);
    expect((await refusal(b.reserve('acme', 1, 10))).code).toBe('BUDGET_EXCEEDED');
  });

  it('shrinks the last calls’ output cap so output tokens end exactly at the limit', async () => {
    const { budgets: b } = budgets({ monthly_output_tokens: 100 }, clock);
    const caps: number[] = [];
    for (;;) {
      const hold = await b.reserve('acme', 5, 30).catch((e: unknown) => e as AppError);
      if (hold instanceof AppError) break;
      caps.push(hold!.maxOutputTokens!);
      await hold!.settle({ promptTokens: 5, completionTokens: hold!.maxOutputTokens! });
    }
    expect(caps).toEqual([30, 30, 30, 10]);
    expect((await b.status('acme'))!.used.outputTokens).toBe(100);
  });

  it('holds concurrent reservations atomically: never more than the limit at once', async () => {
    const { budgets: b } = budgets({ monthly_requests: 3 }, clock);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => b.reserve('acme', 10, 10)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('settles once, to the real usage, and lets an unsettled reservation expire', async () => {
    const local = { now: new Date('2026-03-10T12:00:00Z') };
    const { budgets: b } = budgets({ monthly_requests: 2, monthly_output_tokens: 1000 }, local);
    const hold = (await b.reserve('acme', 10, 500))!;
    expect((await b.status('acme'))!.used).toEqual({ requests: 1, inputTokens: 10, outputTokens: 500 });
    await hold.settle({ promptTokens: 12, completionTokens: 7 });
    await hold.settle({ promptTokens: 12, completionTokens: 7 });
    expect((await b.status('acme'))!.used).toEqual({ requests: 1, inputTokens: 12, outputTokens: 7 });
    await b.reserve('acme', 10, 10); // a crashed turn never settles this one
    expect((await refusal(b.reserve('acme', 10, 10))).code).toBe('BUDGET_EXCEEDED');
    local.now = new Date(local.now.getTime() + 61_000);
    expect(await b.reserve('acme', 10, 10)).toBeDefined();
  });

  it('reports crossing warn_at when settling', async () => {
    const { budgets: b } = budgets({ monthly_requests: 4, warn_at: 0.5 }, clock);
    expect(await (await b.reserve('acme', 1, 1))!.settle({ promptTokens: 1, completionTokens: 1 })).toBeUndefined();
    expect(await (await b.reserve('acme', 1, 1))!.settle({ promptTokens: 1, completionTokens: 1 })).toMatchObject({ dimension: 'requests', used: 2, limit: 4 });
  });

  it('resets at the month boundary of BUDGET_TIMEZONE, and a reopened store keeps the month’s totals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-budget-'));
    try {
      const local = { now: new Date('2026-03-31T21:30:00Z') }; // 23:30 in Berlin, still March
      const file = join(dir, 'b.db');
      let { budgets: b, store } = budgets({ monthly_requests: 1 }, local, { timeZone: 'Europe/Berlin', store: SqliteStore.open(file) });
      await (await b.reserve('acme', 1, 1))!.settle({ promptTokens: 1, completionTokens: 1 });
      await store.close();
      ({ budgets: b } = budgets({ monthly_requests: 1 }, local, { timeZone: 'Europe/Berlin', store: SqliteStore.open(file) }));
      const err = await refusal(b.reserve('acme', 1, 1));
      expect(err.details.resetsAt).toBe('2026-03-31T22:00:00.000Z');
      local.now = new Date('2026-03-31T22:00:01Z'); // 00:00:01 on 1 April in Berlin
      expect(await b.reserve('acme', 1, 1)).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes no reservation for a tenant without limits', async () => {
    const store = SqliteStore.open(':memory:');
    stores.push(store);
    const none = new TenantBudgets(store, TenantDirectory.implicit(), { timeZone: 'UTC', reservationTtlMs: 1000, now: () => clock.now });
    expect(await none.reserve('default', 10, 10)).toBeUndefined();
    expect(await none.status('default')).toBeUndefined();
  });
});

describe('budget months', () => {
  it('follows the calendar of the time zone, across DST', () => {
    expect(budgetMonth(new Date('2026-03-31T22:30:00Z'), 'Europe/Berlin')).toBe('2026-04');
    expect(budgetMonth(new Date('2026-03-31T22:30:00Z'), 'UTC')).toBe('2026-03');
    expect(nextBudgetReset(new Date('2026-10-15T00:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(nextBudgetReset(new Date('2026-12-15T00:00:00Z'), 'America/New_York').toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(nextBudgetReset(new Date('2026-12-31T23:59:59Z'), 'UTC').toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
