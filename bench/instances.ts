import { startFakeUpstream, type FakeUpstream } from '../tests/support/fake-upstream.js';
import { startPostgres } from '../tests/support/postgres.js';
import { startRedis } from '../tests/support/redis.js';
import { stampedScript, StreamSocket, tokenDelays, type Turn } from './support/load.js';
import { describeMachineLoad, fmt, inBatches, printTable, sleep, summarize, verdict, withTimeout } from './support/report.js';
import { cpuMsBetween, galaxyBenchEnv, HAS_TASKSET, spawnServerChild, type ServerChild } from './support/spawn-server.js';

/**
 * Several instances (issue 11): concurrent 20 token/s streams through one and through two Galaxy
 * instances on one PostgreSQL, and what sharing live chats through Redis costs per token (every
 * event is appended to the chat's Redis Stream). All three setups run in the same process, one
 * after another, against the same fake upstream: ratios, not absolute figures, are the result.
 *
 *   npx tsx bench/instances.ts
 *
 * Instances are pinned: the first to CPU 0, the second to CPU 1. These machines have two cores, so
 * the second instance shares its core with the load (clients, fake upstream, PostgreSQL, Redis):
 * the two-instance figure is a floor, not what two real nodes give.
 */

const LEVELS = [200, 400, 800];
const TOKENS = 100; // five seconds of answer per stream
const GAP_MS = 50; // 20 tokens per second
const STAGGER_MS = 1000;
const LIMIT_MS = 50;
const CONNECT_PARALLEL = 50;
const BENCH_BUDGET_MS = 130_000;

interface Setup {
  name: string;
  instances: number;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: '1 instance, no Redis', instances: 1, redis: false },
  { name: '1 instance, Redis', instances: 1, redis: true },
  { name: '2 instances, Redis', instances: 2, redis: true },
];

interface LevelResult {
  streams: number;
  p99: number;
  failed: number;
  cpuMsPer1kTokens: number;
}

async function runLevel(upstream: FakeUpstream, servers: ServerChild[], streams: number, round: string): Promise<LevelResult> {
  upstream.enqueue(...Array.from({ length: streams }, () => stampedScript(TOKENS, GAP_MS)));
  // A balancer without stickiness: connections alternate between the instances.
  const sockets = await inBatches(Array.from({ length: streams }, (_, i) => i), CONNECT_PARALLEL, (i) =>
    StreamSocket.open(`ws://127.0.0.1:${servers[i % servers.length]!.port}/ws`, `bench-${round}-${i}@example.com`, true),
  );
  const before = await Promise.all(servers.map((s) => s.usage()));
  const turns: Turn[] = await Promise.all(sockets.map(async (socket, i) => {
    await sleep((i * STAGGER_MS) / streams);
    const turn = socket.run();
    // A stream that never ends is counted as failed, not waited for.
    return Promise.race([turn, sleep(20_000).then((): Turn => ({ sentAt: 0, stamps: [], arrivals: [], failed: 'no end within 20 s' }))]);
  }));
  const after = await Promise.all(servers.map((s) => s.usage()));
  for (const socket of sockets) socket.close();
  const delays = turns.flatMap((t) => (t.failed ? [] : tokenDelays(t)));
  const cpuMs = before.reduce((sum, b, i) => sum + cpuMsBetween(b, after[i]!), 0);
  return { streams, p99: summarize(delays).p99, failed: turns.filter((t) => t.failed).length, cpuMsPer1kTokens: (cpuMs / Math.max(1, delays.length)) * 1000 };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`machine: ${await describeMachineLoad()}; ${HAS_TASKSET ? 'instances pinned to CPU 0 and CPU 1' : 'taskset not found: nothing pinned'}`);
  const [postgres, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startFakeUpstream()]);
  const results = new Map<string, LevelResult[]>();
  try {
    for (const setup of SETUPS) {
      const files = Array.from({ length: setup.instances }, () =>
        galaxyBenchEnv(upstream.baseUrl, {
          DATABASE_URL: postgres.url,
          DATABASE_POOL_MAX: '8',
          WS_MAX_CONNECTIONS_PER_USER: '10',
          ...(setup.redis ? { REDIS_URL: redis.url } : {}),
        }),
      );
      const servers = await Promise.all(files.map((f, i) => spawnServerChild('galaxy', { BENCH_GALAXY_ENV: JSON.stringify(f.env) }, [], i)));
      const rows: LevelResult[] = [];
      try {
        for (const streams of LEVELS) {
          if (performance.now() - started > BENCH_BUDGET_MS) {
            console.log(`skipped ${setup.name} at ${streams} streams: over the bench's time budget`);
            break;
          }
          rows.push(await withTimeout(runLevel(upstream, servers, streams, `${setup.instances}${setup.redis ? 'r' : ''}-${streams}`), 60_000, `${setup.name} at ${streams}`));
          await sleep(500);
        }
      } finally {
        await Promise.all(servers.map((s) => s.close()));
        for (const f of files) f.cleanup();
      }
      results.set(setup.name, rows);
    }
  } finally {
    await Promise.allSettled([postgres.stop(), redis.stop(), upstream.close()]);
  }

  const table: Array<Array<string | number>> = [];
  for (const [name, rows] of results) for (const r of rows) table.push([name, r.streams, fmt(r.p99, 1), r.failed, fmt(r.cpuMsPer1kTokens, 1)]);
  printTable('Concurrent 20 token/s streams', ['setup', 'streams', 'token delay p99 ms', 'failed', 'server CPU ms / 1k tokens'], table);

  const best = (name: string) => Math.max(0, ...(results.get(name) ?? []).filter((r) => r.p99 <= LIMIT_MS && r.failed === 0).map((r) => r.streams));
  const one = best('1 instance, Redis');
  const two = best('2 instances, Redis');
  console.log(`most streams at p99 ≤ ${LIMIT_MS} ms: 1 instance ${one}, 2 instances ${two} (ratio ${fmt(one ? two / one : Number.NaN, 2)})`);
  const cost = (name: string) => (results.get(name) ?? [])[0]?.cpuMsPer1kTokens ?? Number.NaN;
  const redisCost = cost('1 instance, Redis') - cost('1 instance, no Redis');
  console.log(`Redis's cost per token (first level): ${fmt(redisCost, 1)} µs of server CPU (${fmt(cost('1 instance, Redis') / cost('1 instance, no Redis'), 2)}× the CPU without Redis)`);
  verdict('two instances carry more streams than one at p99 ≤ 50 ms', two > one, `${one} → ${two}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
