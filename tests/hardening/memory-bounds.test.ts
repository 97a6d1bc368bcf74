import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMsBetween, galaxyBenchEnv, spawnServerChild, type GalaxyFiles, type ServerChild } from '../../bench/support/spawn-server.js';
import { connect } from '../support/ws-client.js';

/**
 * Checklist 39: no map keyed by client input grows without bound. The server runs in its own process
 * so its resident memory is its own; RSS is read from /proc after a forced GC. The ceiling is
 * generous (it has to absorb V8 keeping freed pages): RSS may grow at most RSS_CEILING_MIB over the
 * warmed-up figure. The old static cache kept every missed path — 10,000 × ~1.9 KB keys, ~20 MiB
 * plus map overhead — which this ceiling refuses. Loopback only; counts are fixed, no timing asserts.
 */

const RSS_CEILING_MIB = 12;
const MISSING_PATHS = 10_000;
const PATH_CHARS = 1_900; // under MAX_URL_CHARS (2,048), so each request reaches the static lookup
const CONCURRENCY = 16;

let files: GalaxyFiles;
let server: ServerChild;
const identity = { 'X-EMAIL-USER': 'mem@example.com' };

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

async function settledRss(): Promise<number> {
  const usage = await server.usageAfterGc();
  if (process.env.MEMORY_BOUNDS_DEBUG) console.log(`rss ${rssMiB(server.pid).toFixed(1)} heapUsed ${(usage.memory.heapUsed / 2 ** 20).toFixed(1)} external ${(usage.memory.external / 2 ** 20).toFixed(1)}`);
  return rssMiB(server.pid);
}

async function requestMissing(from: number, count: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      const name = `${i.toString(36)}-`.padEnd(PATH_CHARS, 'x');
      const res = await fetch(`http://127.0.0.1:${server.port}/static/${name}`, { headers: identity });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/**
 * The server starts its tool workers in the background after listening (they count in its RSS):
 * on a loaded machine that can outlast the spawn helper's own settling, so wait for a quiet second.
 */
async function waitUntilIdle(maxMs = 60_000): Promise<void> {
  const started = Date.now();
  let previous = await server.usage();
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await server.usage();
    if (cpuMsBetween(previous, now) < 50) return;
    previous = now;
  }
}

beforeAll(async () => {
  files = galaxyBenchEnv('http://127.0.0.1:9/v1', { MESSAGE_BURST: '5', MAX_BAD_FRAMES: '10' });
  server = await spawnServerChild('galaxy', { BENCH_GALAXY_ENV: JSON.stringify(files.env) });
  await waitUntilIdle();
}, 120_000);
afterAll(async () => {
  await server?.close();
  files?.cleanup();
});

describe('memory stays bounded under client-keyed input', () => {
  it(`keeps RSS within ${RSS_CEILING_MIB} MiB over ${MISSING_PATHS} requests for distinct missing static paths`, async () => {
    await requestMissing(0, 1000); // warm-up: code paths, sockets, heap sizing
    const before = await settledRss();
    const statuses = await requestMissing(1000, MISSING_PATHS);
    expect(statuses.length).toBe(MISSING_PATHS);
    expect(new Set(statuses)).toEqual(new Set([404]));
    if (process.env.MEMORY_BOUNDS_DEBUG) {
      await settledRss();
      await requestMissing(1000 + MISSING_PATHS, MISSING_PATHS);
    }
    const after = await settledRss();
    expect(after - before, `RSS ${before.toFixed(1)} → ${after.toFixed(1)} MiB`).toBeLessThan(RSS_CEILING_MIB);
  }, 180_000);

  it(`keeps RSS within ${RSS_CEILING_MIB} MiB over reconnect-and-flood loops by many identities`, async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
    const loop = async (rounds: number, offset: number) => {
      for (let i = 0; i < rounds; i += 1) {
        const client = await connect(wsUrl, { email: `flood${(offset + i) % 50}@example.com` });
        // The user's bucket is shared across reconnects, so hello itself may already be refused.
        client.send({ type: 'hello', v: 1 });
        for (let k = 0; k < 30; k += 1) client.send({ type: 'stop' });
        await client.closed; // the flood gets it closed with 1008
      }
    };
    await loop(100, 0);
    const before = await settledRss();
    await Promise.all([0, 1, 2, 3].map((w) => loop(100, w * 100)));
    const after = await settledRss();
    expect(after - before, `RSS ${before.toFixed(1)} → ${after.toFixed(1)} MiB`).toBeLessThan(RSS_CEILING_MIB);
  }, 180_000);
});
