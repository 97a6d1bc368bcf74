import { execFileSync } from 'node:child_process';
import { StreamSocket } from './support/load.js';
import { describeMachineLoad, fmt, inBatches, percentile, printTable, sleep, verdict, withTimeout } from './support/report.js';
import { galaxyBenchEnv, pinLoadToCpu, spawnServerChild, type ServerChild, type Usage } from './support/spawn-server.js';

/**
 * Memory per idle connection (design §10: RSS per idle authenticated connection ≤ 4 KiB above bare
 * uWebSockets.js). The same number of sockets is opened to a bare uWS server and to Galaxy (where
 * each says hello, as its own user, and gets `ready`: authenticated, with a session). Each server
 * runs in its own child process; its memory is read after a forced GC.
 *
 * Two effects that are not per-socket memory are kept out of the figure, and shown apart:
 *  - the first burst of connections grows a process once (V8 code and nursery, malloc arenas:
 *    tens of MiB for Galaxy), so WARMUP_SOCKETS are opened and kept before counting starts;
 *  - V8 resizes its young generation (nursery) by whole MiBs as the allocation rate changes, in
 *    either direction, at moments of its own choosing; V8 and malloc also hand back memory freed
 *    by earlier garbage in MiB-sized jumps. The figure is therefore RSS minus the young
 *    generation, read after every step of STEP_SOCKETS sockets, and it is the median of the
 *    steps' growth per socket, which one jump cannot move. Raw RSS growth is printed next to it,
 *    and the live JS heap per socket, a floor no honest figure can be under.
 *
 *   npx tsx bench/idle-memory.ts
 */

const WANTED_SOCKETS = 2500;
const WARMUP_SOCKETS = 1500;
const STEP_SOCKETS = 500;
const CONNECT_PARALLEL = 50;
const SETTLE_MS = 300;

/** The open-files limit; each side holds one descriptor per socket, Galaxy also a transcript file each. */
function openFilesLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

interface MemoryResult {
  server: string;
  sockets: number;
  /** The figure: KiB per socket of RSS without the young generation (median over the steps). */
  kibPerSocket: number;
  /** The same per step, to show the noise. */
  stepKiB: number[];
  rawRssKiB: number;
  heapKiB: number;
  warmupSockets: number;
  warmupMiB: number;
  rssMiBAfter: number;
}

const MiB = 1024 * 1024;
const withoutNursery = (u: Usage) => u.memory.rss - u.youngBytes;

async function measure(name: string, server: ServerChild, galaxy: boolean, warmup: number, sockets: number): Promise<MemoryResult> {
  const url = galaxy ? `ws://127.0.0.1:${server.port}/ws` : `ws://127.0.0.1:${server.port}/`;
  let opened = 0;
  const open = async (count: number) => {
    const emails = Array.from({ length: count }, () => `idle-${opened++}@bench.test`);
    const list = await withTimeout(
      inBatches(emails, CONNECT_PARALLEL, (email) => StreamSocket.open(url, email, galaxy)),
      60_000,
      `${name}: opening ${count} sockets`,
    );
    await sleep(SETTLE_MS);
    return list;
  };

  const idleStart = await server.usageAfterGc();
  const held = await open(warmup);
  const before = await server.usageAfterGc();
  const stepKiB: number[] = [];
  let last = before;
  const steps = Math.max(1, Math.round(sockets / STEP_SOCKETS));
  for (let step = 0; step < steps; step++) {
    const count = Math.floor(sockets / steps);
    held.push(...(await open(count)));
    const now = await server.usageAfterGc();
    stepKiB.push((withoutNursery(now) - withoutNursery(last)) / 1024 / count);
    last = now;
  }
  for (const socket of held) socket.close();
  const counted = held.length - warmup;
  return {
    server: name,
    sockets: counted,
    kibPerSocket: percentile(stepKiB, 50),
    stepKiB,
    rawRssKiB: (last.memory.rss - before.memory.rss) / 1024 / counted,
    heapKiB: (last.memory.heapUsed - before.memory.heapUsed) / 1024 / counted,
    warmupSockets: warmup,
    warmupMiB: (before.memory.rss - idleStart.memory.rss) / MiB,
    rssMiBAfter: last.memory.rss / MiB,
  };
}

async function main(): Promise<void> {
  console.log('== idle-memory: RSS per idle WebSocket connection ==');
  console.log(pinLoadToCpu());
  console.log(await describeMachineLoad());
  const limit = openFilesLimit();
  // Galaxy holds a socket and a transcript file per connection: two descriptors each, plus its own.
  const room = Math.max(30, Math.floor((limit - 300) / 2));
  const warmup = Math.min(WARMUP_SOCKETS, Math.floor(room / 3));
  const sockets = Math.min(WANTED_SOCKETS, room - warmup);
  console.log(`ulimit -n ${limit}: ${sockets} idle sockets counted per server, after ${warmup} opened first`);

  const results: MemoryResult[] = [];
  const bare = await spawnServerChild('bare');
  try {
    results.push(await measure('bare uWebSockets.js', bare, false, warmup, sockets));
  } finally {
    await bare.close();
  }
  // No model is ever called here; the upstream address only has to parse.
  const files = galaxyBenchEnv('http://127.0.0.1:9/v1');
  const galaxy = await spawnServerChild('galaxy', { BENCH_GALAXY_ENV: JSON.stringify(files.env) });
  try {
    results.push(await measure('Galaxy (after hello)', galaxy, true, warmup, sockets));
  } finally {
    await galaxy.close();
    files.cleanup();
  }

  printTable(
    `Memory per idle connection, KiB (after a forced GC; median over steps of ${STEP_SOCKETS} sockets)`,
    ['server', 'sockets', 'RSS−nursery / conn', 'per step min..max', 'raw RSS / conn', 'JS heap used / conn', `first ${warmup} sockets, MiB`, 'RSS after, MiB'],
    results.map((r) => [r.server, r.sockets, fmt(r.kibPerSocket), `${fmt(Math.min(...r.stepKiB))}..${fmt(Math.max(...r.stepKiB))}`,
      fmt(r.rawRssKiB), fmt(r.heapKiB), fmt(r.warmupMiB, 1), fmt(r.rssMiBAfter, 1)]),
  );
  console.log('(RSS−nursery = resident memory minus V8\'s young generation, whose size follows the allocation rate, not the sockets)');
  const [bareResult, galaxyResult] = results as [MemoryResult, MemoryResult];
  const above = galaxyResult.kibPerSocket - bareResult.kibPerSocket;
  verdict('RSS per idle authenticated connection ≤ 4 KiB above bare uWS', above <= 4,
    `${fmt(above)} KiB above (${fmt(galaxyResult.kibPerSocket)} vs ${fmt(bareResult.kibPerSocket)} KiB per connection); ` +
      `plus a one-time ${fmt(galaxyResult.warmupMiB - bareResult.warmupMiB, 0)} MiB more than bare uWS over the first ${warmup}`);
}

await main();
