import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RETENTION_SWEEP_MS, startRetention, type RetentionClock } from '../../server/store/retention.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import type { Store } from '../../server/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clock the test moves by hand; `tick` runs what a real interval would have run. */
function manualClock(start: string) {
  let now = new Date(start);
  const jobs: Array<{ ms: number; run: () => void }> = [];
  const clock: RetentionClock = {
    now: () => now,
    every(ms, run) {
      const job = { ms, run };
      jobs.push(job);
      return () => jobs.splice(jobs.indexOf(job), 1);
    },
  };
  return {
    clock,
    jobs,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
      for (const job of [...jobs]) job.run();
    },
  };
}

const silent = { info: vi.fn(), error: vi.fn() };
const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

async function seeded(): Promise<Store> {
  const store = SqliteStore.open(join(dir, `${Math.random()}.db`));
  const base = { owner: 'alice@example.com', tenant: 'acme', title: 't', model: 'demo', tools: [], dataSources: [], locked: false };
  await store.createConversation({ ...base, id: 'old', createdAt: '2026-01-01T00:00:00.000Z' });
  await store.createConversation({ ...base, id: 'recent', createdAt: '2026-01-25T00:00:00.000Z' });
  return store;
}
const ids = async (store: Store) => (await store.listConversations('alice@example.com', { limit: 10 })).items.map((c) => c.id);

describe('history retention', () => {
  it('deletes conversations idle longer than the retention at start, then on each sweep', async () => {
    const store = await seeded();
    const { clock, advance, jobs } = manualClock('2026-02-05T00:00:00.000Z');
    const stop = startRetention(store, 30, clock, silent);
    await flush();
    expect(await ids(store)).toEqual(['recent']);
    expect(jobs.map((j) => j.ms)).toEqual([RETENTION_SWEEP_MS]);
    advance(20 * 86_400_000);
    await flush();
    expect(await ids(store)).toEqual([]);
    stop();
    expect(jobs).toEqual([]);
    await store.close();
  });

  it('keeps everything forever when the retention is 0, and schedules nothing', async () => {
    const store = await seeded();
    const { clock, jobs } = manualClock('2030-01-01T00:00:00.000Z');
    startRetention(store, 0, clock, silent)();
    await flush();
    expect(jobs).toEqual([]);
    expect(await ids(store)).toEqual(['recent', 'old']);
    await store.close();
  });

  it('logs a failed sweep instead of throwing, and keeps sweeping', async () => {
    // Retention only ever calls this one method.
    const failing = { deleteConversationsOlderThan: vi.fn().mockRejectedValueOnce(new Error('disk gone')).mockResolvedValue(0) } as unknown as Store;
    const log = { info: vi.fn(), error: vi.fn() };
    const { clock, advance } = manualClock('2026-02-05T00:00:00.000Z');
    const stop = startRetention(failing, 30, clock, log);
    await flush();
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'retention sweep failed');
    advance(RETENTION_SWEEP_MS);
    await flush();
    expect(failing.deleteConversationsOlderThan).toHaveBeenCalledTimes(2);
    stop();
  });

  it('uses an unref’d interval with the system clock', async () => {
    const { systemClock } = await import('../../server/store/retention.js');
    const spy = vi.spyOn(globalThis, 'setInterval');
    const cancel = systemClock.every(1000, () => {});
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    cancel();
    spy.mockRestore();
  });
});
