import { startFakeUpstream } from '../tests/support/fake-upstream.js';
import { stampedScript, StreamSocket, tokenDelays, type Turn } from './support/load.js';
import { describeMachineLoad, fmt, inBatches, printTable, summarize, verdict } from './support/report.js';
import { cpuMsBetween, galaxyBenchEnv, pinLoadToCpu, spawnServerChild } from './support/spawn-server.js';

/**
 * What keeping chats costs a streamed answer (issue "chats that last"): the same Galaxy with
 * HISTORY_ENABLED=true (every message, partial answers every HISTORY_PARTIAL_SAVE_MS, usage rows
 * in SQLite) against HISTORY_ENABLED=false (only the usage ledger), in the same run, under 200
 * concurrent 20 tok/s streams. Prints CPU per 1k tokens, per-token delay p99, the event loop's
 * longest block (1 ms resolution, measured in the server process), and the ratios. Figures only.
 *
 *   npx tsx bench/history.ts
 */

const STREAMS = Number(process.env.STREAMS ?? 200);
const TOKENS = 100; // 5 s of answer per stream
const GAP_MS = 50; // 20 tokens per second
const ROUNDS = 2; // on, off, on, off: drift hits both alike
const CONNECT_PARALLEL = 50;

interface Figures {
  cpuPer1k: number[];
  p99: number[];
  loopMaxMs: number[];
  failed: number;
}

const upstream = await startFakeUpstream();
console.log(`history bench: ${STREAMS} streams x ${TOKENS} tokens at ${1000 / GAP_MS} tok/s; ${pinLoadToCpu()}`);
console.log(await describeMachineLoad());
const subjects = { 'history on': 'true', 'history off': 'false' } as const;
const results: Record<keyof typeof subjects, Figures> = {
  'history on': { cpuPer1k: [], p99: [], loopMaxMs: [], failed: 0 },
  'history off': { cpuPer1k: [], p99: [], loopMaxMs: [], failed: 0 },
};

for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, enabled] of Object.entries(subjects) as Array<[keyof typeof subjects, string]>) {
    const files = galaxyBenchEnv(upstream.baseUrl, {
      HISTORY_ENABLED: enabled,
      WS_MAX_CONNECTIONS_PER_USER: '10',
      MAX_CONCURRENT_TURNS_PER_USER: '10',
    });
    const child = await spawnServerChild('galaxy', { BENCH_GALAXY_ENV: JSON.stringify(files.env) });
    try {
      const url = `ws://127.0.0.1:${child.port}/ws`;
      const sockets = await inBatches(Array.from({ length: STREAMS }, (_, i) => i), CONNECT_PARALLEL, (i) => StreamSocket.open(url, `bench${i}@example.com`, true));
      // Warm-up turn on a few sockets, so JIT and the database file are not what is measured.
      const warm = sockets.slice(0, 5);
      for (let i = 0; i < warm.length; i += 1) upstream.enqueue(stampedScript(5, 1));
      await Promise.all(warm.map((s) => s.run()));
      const before = await child.usage();
      for (let i = 0; i < STREAMS; i += 1) upstream.enqueue(stampedScript(TOKENS, GAP_MS));
      const turns: Turn[] = await Promise.all(sockets.map((s) => s.run()));
      const after = await child.usage();
      const ok = turns.filter((t) => !t.failed);
      results[name].failed += turns.length - ok.length;
      const tokens = ok.reduce((n, t) => n + t.arrivals.length, 0);
      results[name].cpuPer1k.push((cpuMsBetween(before, after) / tokens) * 1000);
      results[name].p99.push(summarize(ok.flatMap(tokenDelays)).p99);
      results[name].loopMaxMs.push(after.loopMaxMs);
      for (const s of sockets) s.close();
    } finally {
      await child.close();
      files.cleanup();
    }
  }
}
await upstream.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const on = results['history on'];
const off = results['history off'];
printTable(
  'Streaming with history on vs off (median of rounds)',
  ['subject', 'CPU ms / 1k tokens', 'token delay p99 ms', 'longest loop block ms', 'failed turns'],
  (Object.keys(results) as Array<keyof typeof results>).map((name) => {
    const r = results[name];
    return [name, fmt(median(r.cpuPer1k)), fmt(median(r.p99)), fmt(Math.max(...r.loopMaxMs)), r.failed];
  }),
);
const cpuRatio = median(on.cpuPer1k) / median(off.cpuPer1k);
const p99Ratio = median(on.p99) / median(off.p99);
verdict('CPU per 1k tokens, on / off <= 1.1x', cpuRatio <= 1.1, `${fmt(cpuRatio)}x`);
verdict('token delay p99, on / off <= 1.1x', p99Ratio <= 1.1, `${fmt(p99Ratio)}x`);
verdict(
  `longest event-loop block with history on, ${STREAMS} streams < 5 ms`,
  Math.max(...on.loopMaxMs) < 5,
  `${fmt(Math.max(...on.loopMaxMs))} ms (off: ${fmt(Math.max(...off.loopMaxMs))} ms, the server's own work without the store)`,
);
process.exit(0);
