import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { openStore } from '../server/store/open-store.js';
import type { Store } from '../server/store/store.js';
import { InProcessBudgetLedger } from '../server/tenants/in-process-budget-ledger.js';
import { TenantBudgets, type BudgetStore } from '../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../server/tenants/tenant-directory.js';
import { parseTenantsDocument } from '../server/tenants/tenants-file.js';
import { fmt, printTable, sleep, summarize, verdict } from './support/report.js';

/**
 * What exact budgets add per message: every model call reserves its worst case before and settles it
 * after. 200 concurrent "streams" each send messages whose model call takes STREAM_MS; we time
 * reserve + settle per message and watch the event loop, against the same run with a tenant that has
 * no budget (no store work at all) as the baseline. Three ledgers: one SQLite transaction per reserve
 * and per settle (BUDGET_LEDGER=store) on the main thread and on the store worker, and the in-process
 * ledger over the worker store (the default), whose settles still write each charge to SQLite.
 *
 *   npx tsx bench/budgets.ts            (200 streams × 5 model calls of 1 s each)
 *   STREAM_MS=50 npx tsx bench/budgets.ts   (a stress run: 4,000 calls a second)
 */

const STREAMS = Number(process.env.STREAMS ?? 200);
const MESSAGES = Number(process.env.MESSAGES ?? 5);
/** One model call: a short answer at 20 tokens/s. 200 streams then make 200 calls a second. */
const STREAM_MS = Number(process.env.STREAM_MS ?? 1000);

async function run(budgets: TenantBudgets, tenant: string) {
  const costs: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const stream = async (index: number) => {
    await sleep((index * 37) % STREAM_MS); // streams start spread out, as people do
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
  const log = pino({ level: 'silent' });
  const stores: Store[] = [];
  try {
    const rows: Array<Array<string | number>> = [];
    const budgetsOn = async (name: string, worker: boolean, inProcess: boolean) => {
      const store = await openStore({ DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, STORE_WORKER: worker }, log);
      stores.push(store);
      const ledger: BudgetStore = inProcess ? new InProcessBudgetLedger(store) : store;
      return new TenantBudgets(ledger, directory, { timeZone: 'UTC', reservationTtlMs: 60_000, now: () => new Date() });
    };
    const mainThread = await budgetsOn('main', false, false);
    const worker = await budgetsOn('worker', true, false);
    const inProcess = await budgetsOn('in-process', true, true);
    const baseline = await run(mainThread, 'free');
    const results = {
      'a store transaction each, store on the main thread': await run(mainThread, 'metered'),
      'a store transaction each, store on its worker': await run(worker, 'metered'),
      'in-process ledger, worker store (the default)': await run(inProcess, 'metered'),
    };
    await inProcess.drain();
    rows.push(['no budget (baseline)', fmt(baseline.p50, 3), fmt(baseline.p99, 3), fmt(baseline.max, 3), fmt(baseline.loopMaxMs), fmt(baseline.seconds)]);
    for (const [name, r] of Object.entries(results)) rows.push([`exact budget, ${name}`, fmt(r.p50, 3), fmt(r.p99, 3), fmt(r.max, 3), fmt(r.loopMaxMs), fmt(r.seconds)]);
    printTable(`Budget reserve + settle per message (${STREAMS} concurrent streams × ${MESSAGES} messages, SQLite WAL)`, ['run', 'p50 ms', 'p99 ms', 'max ms', 'loop max ms', 'wall s'], rows);
    const worst = results['in-process ledger, worker store (the default)'];
    console.log(`  added per message (the default): p99 ${fmt(worst.p99 - baseline.p99, 3)} ms; longest event-loop block ${fmt(worst.loopMaxMs)} ms vs ${fmt(baseline.loopMaxMs)} ms baseline`);
    verdict('reserve + settle adds < 1 ms p99 per message', worst.p99 - baseline.p99 < 1, `${fmt(worst.p99 - baseline.p99, 3)} ms`);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
