import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import type { BudgetAmounts, BudgetLedgerState, BudgetRequest, Store } from '../../server/store/store.js';
import { budgetLedgerFor, InProcessBudgetLedger } from '../../server/tenants/in-process-budget-ledger.js';

const none = (): BudgetAmounts => ({ requests: 0, promptTokens: 0, completionTokens: 0 });
const now = new Date('2026-06-10T12:00:00Z');
const request = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({
  tenant: 'acme', month: '2026-06', requests: 1, promptTokens: 100, completionTokens: 50, limits: {}, ttlMs: 60_000, now, ...over,
});

/** A store fake: what the ledger loads, what it writes, and a way to make a write fail or a load wait. */
function fakeStore(state: BudgetLedgerState = { spent: none(), held: none() }) {
  const writes: BudgetAmounts[] = [];
  const fake = {
    loads: 0,
    failNextWrite: false,
    loadGate: Promise.resolve(),
    writes,
    async budgetLedgerState(): Promise<BudgetLedgerState> {
      fake.loads += 1;
      await fake.loadGate;
      return state;
    },
    async addBudgetSpent(_tenant: string, _month: string, amounts: BudgetAmounts): Promise<void> {
      if (fake.failNextWrite) {
        fake.failNextWrite = false;
        throw new Error('disk full');
      }
      writes.push(amounts);
    },
  };
  return fake;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

describe('InProcessBudgetLedger', () => {
  it('lets exactly as many concurrent reserves through as there is room for, loading the month once', async () => {
    const store = fakeStore({ spent: { requests: 0, promptTokens: 1000, completionTokens: 0 }, held: none() });
    let open!: () => void;
    store.loadGate = new Promise((resolve) => (open = resolve));
    const ledger = new InProcessBudgetLedger(store);
    // All 500 wait on the same first load, then run one after another.
    const pending = Array.from({ length: 500 }, () => ledger.reserveBudget(request({ limits: { promptTokens: 4000 } })));
    open();
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(store.loads).toBe(1);
    expect(await ledger.budgetUsed('acme', '2026-06', now)).toEqual({ requests: 30, promptTokens: 4000, completionTokens: 1500 });
  });

  it('never overshoots while many calls reserve, run and settle at the same time', async () => {
    const ledger = new InProcessBudgetLedger(fakeStore());
    const limits = { requests: 150, promptTokens: 20_000, completionTokens: 9_000 };
    let granted = 0;
    const call = async (i: number) => {
      await new Promise((resolve) => setTimeout(resolve, i % 7));
      const held = await ledger.reserveBudget(request({ promptTokens: 50 + (i % 90), completionTokens: 80, limits }));
      if (!held.ok) return;
      granted += 1;
      const used = await ledger.budgetUsed('acme', '2026-06', now);
      for (const d of ['requests', 'promptTokens', 'completionTokens'] as const) expect(used[d]).toBeLessThanOrEqual(limits[d]);
      await new Promise((resolve) => setTimeout(resolve, i % 5));
      await ledger.settleBudget(held.reservationId, { promptTokens: 50, completionTokens: i % 80 }, now);
    };
    await Promise.all(Array.from({ length: 600 }, (_, i) => call(i)));
    const used = await ledger.budgetUsed('acme', '2026-06', now);
    expect(used.requests).toBe(granted);
    for (const d of ['requests', 'promptTokens', 'completionTokens'] as const) expect(used[d]).toBeLessThanOrEqual(limits[d]);
    expect(granted).toBeGreaterThan(100); // settling freed room: more calls than a worst case each would allow
  });

  it('settles to the real size once; frees the rest; charges a late settle after expiry', async () => {
    const store = fakeStore();
    const ledger = new InProcessBudgetLedger(store);
    const first = await ledger.reserveBudget(request());
    if (!first.ok) throw new Error('refused');
    expect(await ledger.settleBudget(first.reservationId, { promptTokens: 40, completionTokens: 10 }, now)).toEqual({ requests: 1, promptTokens: 40, completionTokens: 10 });
    expect(await ledger.settleBudget(first.reservationId, { promptTokens: 40, completionTokens: 10 }, now)).toBeUndefined();
    expect(await ledger.settleBudget('unknown', { promptTokens: 1, completionTokens: 1 }, now)).toBeUndefined();

    const late = await ledger.reserveBudget(request({ limits: { requests: 2 } }));
    if (!late.ok) throw new Error('refused');
    expect((await ledger.reserveBudget(request({ limits: { requests: 2 } }))).ok).toBe(false);
    const afterTtl = new Date(now.getTime() + 60_001);
    expect(await ledger.budgetUsed('acme', '2026-06', afterTtl)).toEqual({ requests: 1, promptTokens: 40, completionTokens: 10 });
    expect(await ledger.settleBudget(late.reservationId, { promptTokens: 5, completionTokens: 5 }, afterTtl)).toEqual({ requests: 2, promptTokens: 45, completionTokens: 15 });
    expect(store.writes).toEqual([{ requests: 1, promptTokens: 40, completionTokens: 10 }, { requests: 1, promptTokens: 5, completionTokens: 5 }]);
  });

  it('counts reservations an earlier run left in the store until the last of them expires', async () => {
    const heldUntil = new Date(now.getTime() + 30_000);
    const ledger = new InProcessBudgetLedger(fakeStore({ spent: { requests: 1, promptTokens: 0, completionTokens: 0 }, held: { requests: 2, promptTokens: 0, completionTokens: 0 }, heldUntil }));
    expect(await ledger.reserveBudget(request({ limits: { requests: 3 } }))).toMatchObject({ ok: false, exceeded: 'requests' });
    expect((await ledger.reserveBudget(request({ limits: { requests: 3 }, now: heldUntil }))).ok).toBe(true);
  });

  it('keeps a charge whose write failed and writes it with the next one (or on drain)', async () => {
    const store = fakeStore();
    const failures: unknown[] = [];
    const ledger = new InProcessBudgetLedger(store, { onWriteError: (err) => failures.push(err) });
    const settle = async (promptTokens: number) => {
      const held = await ledger.reserveBudget(request());
      if (held.ok) await ledger.settleBudget(held.reservationId, { promptTokens, completionTokens: 1 }, now);
    };
    store.failNextWrite = true;
    await settle(10);
    await new Promise(setImmediate); // the failed write has reported
    expect(failures).toHaveLength(1);
    await settle(20);
    expect(store.writes).toEqual([{ requests: 2, promptTokens: 30, completionTokens: 2 }]);
    store.failNextWrite = true;
    await settle(5);
    await ledger.drain();
    expect(store.writes.at(-1)).toEqual({ requests: 1, promptTokens: 5, completionTokens: 1 });
  });

  it('fails a reserve when the month cannot be read, and reads it again next time', async () => {
    const store = fakeStore();
    store.loadGate = Promise.reject(new Error('locked'));
    store.loadGate.catch(() => undefined);
    const ledger = new InProcessBudgetLedger(store);
    await expect(ledger.reserveBudget(request())).rejects.toThrow('locked');
    store.loadGate = Promise.resolve();
    expect((await ledger.reserveBudget(request())).ok).toBe(true);
    expect(store.loads).toBe(2);
  });

  it('on the worker store, every charge settled before a usage row survives a crash right after that row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-ledger-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'crash.db');
    const store = await SqliteWorkerStore.open(file);
    const ledger = new InProcessBudgetLedger(store);
    const holds = await Promise.all(Array.from({ length: 50 }, () => ledger.reserveBudget(request())));
    for (const held of holds) if (held.ok) await ledger.settleBudget(held.reservationId, { promptTokens: 7, completionTokens: 3 }, now);
    // Only the usage row is awaited, as the chat does; the charges were posted before it.
    await store.recordUsage({ user: 'a@acme.example', tenant: 'acme', model: 'm', at: now, promptTokens: 7, completionTokens: 3, estimated: false });
    await (store as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(); // a crash: nothing drained
    const reopened = SqliteStore.open(file);
    cleanup.push(() => reopened.close());
    const restarted = new InProcessBudgetLedger(reopened as Pick<Store, 'budgetLedgerState' | 'addBudgetSpent'>);
    expect(await restarted.budgetUsed('acme', '2026-06', now)).toEqual({ requests: 50, promptTokens: 350, completionTokens: 150 });
    expect(await reopened.usageFor('a@acme.example', '2026-06')).toHaveLength(1);
  });

  it('is the ledger for SQLite unless BUDGET_LEDGER=store; PostgreSQL always keeps its own transactions', () => {
    const store = SqliteStore.open(':memory:');
    cleanup.push(() => store.close());
    expect(budgetLedgerFor({ DATABASE_URL: 'sqlite:data/g.db', BUDGET_LEDGER: 'process' }, store)).toBeInstanceOf(InProcessBudgetLedger);
    expect(budgetLedgerFor({ DATABASE_URL: 'sqlite:data/g.db', BUDGET_LEDGER: 'store' }, store)).toBe(store);
    expect(budgetLedgerFor({ DATABASE_URL: 'postgresql://db/galaxy', BUDGET_LEDGER: 'process' }, store)).toBe(store);
  });
});
