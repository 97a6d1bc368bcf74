import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starting bench servers in child processes, pinned to CPU 0 while the load stays on CPU 1
 * (design §10: "the server pinned to one core and the load on the other").
 */

const CHILD_FILE = fileURLToPath(new URL('./server-child.ts', import.meta.url));
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this (load) process, all its threads, to LOAD_CPU; returns a line saying what was done. */
export function pinLoadToCpu(): string {
  if (!HAS_TASKSET) return 'taskset not found: server and load share the CPUs';
  execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' });
  return `pinned with taskset: server child on CPU ${SERVER_CPU}, load (this bench process: clients, poller, fake upstream) on CPU ${LOAD_CPU}`;
}

/** The command line for a node process, prefixed with taskset when pinning is possible. */
export function pinnedCommand(args: string[], cpu: number | string = SERVER_CPU): { command: string; args: string[] } {
  return HAS_TASKSET
    ? { command: 'taskset', args: ['-c', String(cpu), process.execPath, ...args] }
    : { command: process.execPath, args };
}

export interface Usage {
  cpu: NodeJS.CpuUsage;
  memory: NodeJS.MemoryUsage;
  /** Resident bytes of V8's young generation (new space). */
  youngBytes: number;
  /** The event loop's longest block since the previous usage reading (1 ms resolution). */
  loopMaxMs: number;
  /** CPU time of the main (event-loop) thread alone, from Linux schedstat; 0 when unknown. */
  loopThreadCpuMs: number;
}

export interface ServerChild {
  readonly port: number;
  readonly pid: number;
  usage(): Promise<Usage>;
  /** Collects garbage in the child first, for memory figures. */
  usageAfterGc(): Promise<Usage>;
  close(): Promise<void>;
}

/**
 * Milliseconds the process's threads have spent runnable but waiting for a CPU (Linux schedstat).
 * On a machine shared with other work this is the honest measure of how much of a bench's latency
 * came from the scheduler rather than from the code; 0 when unknown.
 */
export function runQueueWaitMs(pid: number = process.pid): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((total, tid) => {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      return total + Number(fields[1] ?? 0) / 1e6;
    }, 0);
  } catch {
    return 0;
  }
}

/** CPU milliseconds (user + system) between two usage snapshots. */
export function cpuMsBetween(before: Usage, after: Usage): number {
  return (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
}

export async function spawnServerChild(
  mode: 'galaxy' | 'relay' | 'bare',
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
  cpu: number | string = SERVER_CPU,
): Promise<ServerChild> {
  const { command, args } = pinnedCommand(['--import', 'tsx', '--expose-gc', ...nodeFlags, CHILD_FILE, mode], cpu);
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const replies: Array<(usage: Usage) => void> = [];
  const ready = new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} server child did not start within 20 s`)), 20_000);
    child.on('exit', (code) => reject(new Error(`${mode} server child exited with ${code}`)));
    child.on('message', (message: any) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
      if (message.type === 'usage') replies.shift()?.(message);
    });
  });
  const { port, pid } = await ready;
  const ask = (type: string) =>
    new Promise<Usage>((resolve) => {
      replies.push(resolve);
      child.send({ type });
    });
  await settle(() => ask('usage'));
  return {
    port,
    // taskset execs node, so the child's own pid is the server's; the reported one is authoritative.
    pid,
    usage: () => ask('usage'),
    usageAfterGc: () => ask('gc'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => (clearTimeout(killer), resolve()));
        child.send({ type: 'close' });
      }),
  };
}

/**
 * Waits until the server is idle: Galaxy warms its tools up after listening (the math worker alone
 * takes about two CPU-seconds), which would otherwise land on the first measurements and on the
 * core the other server shares.
 */
async function settle(usage: () => Promise<Usage>, maxMs = 15_000): Promise<void> {
  const started = performance.now();
  let previous = await usage();
  while (performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await usage();
    if (cpuMsBetween(previous, now) < 12) return; // under 5% of a core
    previous = now;
  }
}

export interface GalaxyFiles {
  /** The env for startServer, as tests/support/galaxy.ts builds it, plus the bench's limits. */
  env: Record<string, string>;
  cleanup(): void;
}

/** A temp llms.yml pointing the `fake` model at the bench's upstream, and the matching env. */
export function galaxyBenchEnv(upstreamBaseUrl: string, overrides: Record<string, string> = {}): GalaxyFiles {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-bench-'));
  const llmsFile = join(dir, 'llms.yml');
  writeFileSync(
    llmsFile,
    ['llms:', '  - name: fake', '    provider: openai-compatible', `    base_url: ${upstreamBaseUrl}`,
      '    api_key: sk-bench', '    model_name: fake-model'].join('\n'),
  );
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOGS_DIR: join(dir, 'logs'),
    DATABASE_URL: `sqlite:${join(dir, 'galaxy.db')}`,
    DATA_DIR: join(tmpdir(), 'galaxy-test-data'),
    LLM_CONFIG_FILE: llmsFile,
    LLM_STARTUP_CHECK: 'false',
    CODE_WARM_POOL: '0',
    DELTA_FLUSH_MS: '0',
    // Every bench socket comes from 127.0.0.1 with its own user: lift the per-peer cap only.
    WS_MAX_CONNECTIONS_PER_IP: '100000',
    SHUTDOWN_GRACE_MS: '0',
    ...overrides,
  };
  return { env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
