import { startFakeUpstream } from '../tests/support/fake-upstream.js';
import { stampedScript, StreamSocket, tokenDelays, type Turn } from './support/load.js';
import { describeMachineLoad, fmt, inBatches, printTable, sleep, summarize, verdict } from './support/report.js';
import { cpuMsBetween, galaxyBenchEnv, pinLoadToCpu, spawnServerChild } from './support/spawn-server.js';

/**
 * What keeping chats costs a streamed answer (issue "chats that last"): the same Galaxy with
 * HISTORY_ENABLED=true (every message, partial answers every HISTORY_PARTIAL_SAVE_MS, usage rows
 * in SQLite) against HISTORY_ENABLED=false (only the usage ledger), in the same run, under 200
 * concurrent 20 tok/s streams; and history on with STORE_WORKER=false (SQLite on the main thread,
 * as before the store worker). Prints CPU per 1k tokens (all threads), per-token delay p99, the
 * event loop's longest block (1 ms resolution, measured in the server process), and the ratios.
 * Starting 200 turns at one instant is a burst that has nothing to do with the store, so the loop
 * block and a "steady" p99 are also taken from RAMP_MS after the sends on. Figures only.
 *
 *   npx tsx bench/history.ts
 *   SERVER_CPUS=0-1 npx tsx bench/history.ts   (the store worker may use the load's core, as in production)
 */

const STREAMS = Number(process.env.STREAMS ?? 200);
const TOKENS = 100; // 5 s of answer per stream
const GAP_MS = 50; // 20 tokens per second
const ROUNDS = Number(process.env.ROUNDS ?? 2); // on, off, on, off: drift hits all alike
const CONNECT_PARALLEL = 50;
const RAMP_MS = 1000;

interface Figures {
  cpuPer1k: number[];
  /** The event-loop thread's share: what the chat's loop itself spent (the store worker's CPU is not in it). */
  loopCpuPer1k: number[];
  p99: number[];
  steadyP99: number[];
  loopMaxMs: number[];
  steadyLoopMaxMs: number[];
  failed: number;
}

const upstream = await startFakeUpstream();
console.log(`history bench: ${STREAMS} streams x ${TOKENS} tokens at ${1000 / GAP_MS} tok/s; ${pinLoadToCpu()}`);
console.log(await describeMachineLoad());
const subjects = {
  'history on': { HISTORY_ENABLED: 'true' },
  'history off': { HISTORY_ENABLED: 'false' },
  'history on, store on main thread': { HISTORY_ENABLED: 'true', STORE_WORKER: 'false' },
} as const;
type Subject = keyof typeof subjects;
const empty = (): Figures => ({ cpuPer1k: [], loopCpuPer1k: [], p99: [], steadyP99: [], loopMaxMs: [], steadyLoopMaxMs: [], failed: 0 });
const results: Record<Subject, Figures> = { 'history on': empty(), 'history off': empty(), 'history on, store on main thread': empty() };

for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, settings] of Object.entries(subjects) as Array<[Subject, Record<string, string>]>) {
    const files = galaxyBenchEnv(upstream.baseUrl, {
      ...settings,
      WS_MAX_CONNECTIONS_PER_USER: '10',
      MAX_CONCURRENT_TURNS_PER_USER: '10',
    });
    // SERVER_CPUS=0-1 lets the store's worker thread run on the other core, as it does in production.
    const child = await spawnServerChild('galaxy', { BENCH_GALAXY_ENV: JSON.stringify(files.env) }, [], process.env.SERVER_CPUS ?? 0);
    try {
      const url = `ws://127.0.0.1:${child.port}/ws`;
      const sockets = await inBatches(Array.from({ length: STREAMS }, (_, i) => i), CONNECT_PARALLEL, (i) => StreamSocket.open(url, `bench${i}@example.com`, true));
      // Warm-up turn on a few sockets, so JIT and the database file are not what is measured.
      const warm = sockets.slice(0, 5);
      for (let i = 0; i < warm.length; i += 1) upstream.enqueue(stampedScript(5, 1));
      await Promise.all(warm.map((s) => s.run()));
      const before = await child.usage();
      for (let i = 0; i < STREAMS; i += 1) upstream.enqueue(stampedScript(TOKENS, GAP_MS));
      const sentAt = performance.now();
      const running = Promise.all(sockets.map((s) => s.run()));
      // A reading resets the server's loop monitor: what follows excludes the burst of starting turns.
      await sleep(RAMP_MS);
      const ramp = await child.usage();
      const turns: Turn[] = await running;
      const after = await child.usage();
      const ok = turns.filter((t) => !t.failed);
      const r = results[name];
      r.failed += turns.length - ok.length;
      const tokens = ok.reduce((n, t) => n + t.arrivals.length, 0);
      r.cpuPer1k.push((cpuMsBetween(before, after) / tokens) * 1000);
      r.loopCpuPer1k.push(((after.loopThreadCpuMs - before.loopThreadCpuMs) / tokens) * 1000);
      r.p99.push(summarize(ok.flatMap(tokenDelays)).p99);
      r.steadyP99.push(summarize(ok.flatMap((t) => tokenDelays(t).filter((_, i) => t.stamps[i]! >= sentAt + RAMP_MS))).p99);
      r.loopMaxMs.push(Math.max(ramp.loopMaxMs, after.loopMaxMs));
      r.steadyLoopMaxMs.push(after.loopMaxMs);
      for (const s of sockets) s.close();
    } finally {
      await child.close();
      files.cleanup();
    }
  }
}
await upstream.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
printTable(
  `Streaming with history on vs off (median of ${ROUNDS} rounds; steady = from ${RAMP_MS} ms after the sends)`,
  ['subject', 'CPU ms / 1k tokens', 'loop thread CPU', 'token p99 ms', 'steady p99 ms', 'loop block ms', 'steady loop block ms', 'failed turns'],
  (Object.keys(results) as Subject[]).map((name) => {
    const r = results[name];
    return [name, fmt(median(r.cpuPer1k)), fmt(median(r.loopCpuPer1k)), fmt(median(r.p99)), fmt(median(r.steadyP99)), fmt(Math.max(...r.loopMaxMs)), fmt(Math.max(...r.steadyLoopMaxMs)), r.failed];
  }),
);
const off = results['history off'];
for (const name of ['history on', 'history on, store on main thread'] as const) {
  const on = results[name];
  const ratio = (pick: (f: Figures) => number[]) => median(pick(on)) / median(pick(off));
  console.log(`\n${name} / history off: CPU ${fmt(ratio((f) => f.cpuPer1k))}x, loop thread CPU ${fmt(ratio((f) => f.loopCpuPer1k))}x, token p99 ${fmt(ratio((f) => f.p99))}x, steady p99 ${fmt(ratio((f) => f.steadyP99))}x`);
}
const on = results['history on'];
const cpuRatio = median(on.cpuPer1k) / median(off.cpuPer1k);
const p99Ratio = median(on.p99) / median(off.p99);
const steadyRatio = median(on.steadyP99) / median(off.steadyP99);
const loopCpuRatio = median(on.loopCpuPer1k) / median(off.loopCpuPer1k);
verdict('CPU per 1k tokens, on / off <= 1.1x', cpuRatio <= 1.1, `${fmt(cpuRatio)}x all threads; ${fmt(loopCpuRatio)}x on the event-loop thread`);
verdict('token delay p99, on / off <= 1.1x', p99Ratio <= 1.1, `${fmt(p99Ratio)}x (steady: ${fmt(steadyRatio)}x)`);
const steadyOn = Math.max(...on.steadyLoopMaxMs);
verdict(
  `longest event-loop block with history on, ${STREAMS} streams, after the ramp < 5 ms`,
  steadyOn < 5,
  `${fmt(steadyOn)} ms (off: ${fmt(Math.max(...off.steadyLoopMaxMs))} ms, the server's own work without the store)`,
);
process.exit(0);
