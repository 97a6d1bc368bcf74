import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SqliteStore } from '../server/store/sqlite-store.js';
import { TenantBudgets } from '../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../server/tenants/tenant-directory.js';
import { parseTenantsDocument } from '../server/tenants/tenants-file.js';
import { fmt, printTable, sleep, summarize, verdict } from './support/report.js';

/**
 * What exact budgets add per message: every model call reserves its worst case before and settles it
 * after, each in one SQLite transaction. 200 concurrent "streams" each send messages whose model call
 * takes STREAM_MS; we time reserve + settle per message and watch the event loop, against the same
 * run with a tenant that has no budget (no store work at all) as the baseline.
 *
 *   npx tsx bench/budgets.ts            (200 streams × 20 messages)
 *   STREAMS=50 MESSAGES=5 npx tsx bench/budgets.ts   (quick run)
 */

const STREAMS = Number(process.env.STREAMS ?? 200);
const MESSAGES = Number(process.env.MESSAGES ?? 20);
const STREAM_MS = 50;

async function run(budgets: TenantBudgets, tenant: string) {
  const costs: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const stream = async (index: number) => {
    await sleep((index * 7) % STREAM_MS); // streams start spread out, as people do
    for (let m = 0; m < MESSAGES; m++) {
      const start = performance.now();
      const hold = await budgets.reserve(tenant, 800, 1024);
      let cost = performance.now() - start;
      await sleep(STREAM_MS); // the model call
      const settleStart = performance.now();
      await hold?.settle({ promptTokens: 812, completionTokens: 240 });
      cost += performance.now() - settleStart;
      costs.push(cost);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(i)));
  loop.disable();
  return { ...summarize(costs), seconds: (performance.now() - started) / 1000, loopMaxMs: loop.max / 1e6 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-bench-budget-'));
  const store = SqliteStore.open(join(dir, 'budgets.db'));
  const directory = TenantDirectory.fromFile(
    parseTenantsDocument(
      {
        tenants: [
          { id: 'free', members: ['*'] },
          { id: 'metered', members: ['*'], budget: { monthly_requests: 10_000_000, monthly_input_tokens: 1e12, monthly_output_tokens: 1e12 } },
        ],
      },
      {},
    ),
  );
  const budgets = new TenantBudgets(store, directory, { timeZone: 'UTC', reservationTtlMs: 60_000, now: () => new Date() });
  try {
    const baseline = await run(budgets, 'free');
    const metered = await run(budgets, 'metered');
    printTable(
      `Budget reserve + settle per message (${STREAMS} concurrent streams × ${MESSAGES} messages, SQLite WAL)`,
      ['run', 'p50 ms', 'p99 ms', 'max ms', 'loop max ms', 'wall s'],
      [
        ['no budget (baseline)', fmt(baseline.p50, 3), fmt(baseline.p99, 3), fmt(baseline.max, 3), fmt(baseline.loopMaxMs), fmt(baseline.seconds)],
        ['exact budget', fmt(metered.p50, 3), fmt(metered.p99, 3), fmt(metered.max, 3), fmt(metered.loopMaxMs), fmt(metered.seconds)],
      ],
    );
    console.log(`  added per message: p99 ${fmt(metered.p99 - baseline.p99, 3)} ms; wall-time ratio ${fmt(metered.seconds / baseline.seconds)}×`);
    verdict('reserve + settle adds < 1 ms p99 per message', metered.p99 - baseline.p99 < 1, `${fmt(metered.p99 - baseline.p99, 3)} ms`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
