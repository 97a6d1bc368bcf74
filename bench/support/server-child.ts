import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { startServer } from '../../server/app.js';
import { startBareUws, startMinimalRelay } from './minimal-relay.js';

/**
 * The server side of a bench, run in its own process so its CPU time and memory are its own
 * (the parent may pin it to one core). Launched by spawn-server.ts:
 *
 *   node --import tsx --expose-gc bench/support/server-child.ts galaxy|relay|bare
 *
 * Galaxy reads its settings from BENCH_GALAXY_ENV (JSON) and nothing else, so the shell's
 * environment cannot change what is measured; the relay reads BENCH_UPSTREAM_URL.
 * Over IPC: `usage` answers with cpuUsage and memoryUsage; `gc` collects first; `close` exits.
 */

type Mode = 'galaxy' | 'relay' | 'bare';

async function start(mode: Mode): Promise<{ port: number; close: () => Promise<void> | void }> {
  if (mode === 'galaxy') {
    const server = await startServer({ env: JSON.parse(process.env.BENCH_GALAXY_ENV ?? '{}') });
    return { port: server.port, close: () => server.close() };
  }
  if (mode === 'relay') return startMinimalRelay(process.env.BENCH_UPSTREAM_URL ?? '');
  return startBareUws();
}

// The longest the event loop was blocked since the last `usage` question, at 1 ms resolution.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

/** The main thread's own CPU time (its tid is the pid): worker threads' work is not in it. */
function loopThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return 0;
  }
}

function usage(): object {
  // V8 resizes its young generation by whole semi-spaces (MiBs at a time) as allocation rates
  // change; idle-memory.ts subtracts it from RSS so those jumps do not pass for per-socket memory.
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const loopMaxMs = loop.max / 1e6;
  loop.reset();
  return { type: 'usage', cpu: process.cpuUsage(), memory: process.memoryUsage(), youngBytes: young?.physical_space_size ?? 0, loopMaxMs, loopThreadCpuMs: loopThreadCpuMs() };
}

const mode = process.argv[2] as Mode;
const server = await start(mode);
process.on('message', async (message: { type: string }) => {
  if (message.type === 'usage') process.send?.(usage());
  if (message.type === 'gc') {
    // Two passes: the first may only queue finalizers (uWS sockets, streams) that free more. The
    // pauses let V8's background unmapper hand freed pages back, so RSS reflects this GC.
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 150));
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 250));
    process.send?.(usage());
  }
  if (message.type === 'close') {
    await server.close();
    process.exit(0);
  }
});
// The parent going away must not leave a server behind.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', port: server.port, pid: process.pid });
