import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachineLoad, fmt, printTable, sleep, summarize, verdict } from './support/report.js';
import { pinLoadToCpu, pinnedCommand } from './support/spawn-server.js';

/**
 * Cold start (design §10: ≤ 300 ms): from spawning the production entry point
 * `node dist/server/main.js` to the first 200 from `/health`, against a uWebSockets.js hello world
 * and a node:http hello world started the same way, runs interleaved. Each server is pinned to
 * CPU 0 and the poller to CPU 1 when taskset exists.
 *
 *   npx tsx bench/cold-start.ts
 */

const RUNS = 5;
const POLL_EVERY_MS = 1;
const START_TIMEOUT_MS = 10_000;
const MAIN = 'dist/server/main.js';

const BARE_UWS = `import uws from 'uWebSockets.js';
uws.App().get('/health', (res) => res.end('ok')).listen('127.0.0.1', Number(process.env.PORT), () => {});`;
const BARE_HTTP = `import http from 'node:http';
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`;

/** Builds dist/ only when it is missing; says so when it is older than the sources it came from. */
function ensureBuilt(): void {
  if (!existsSync(MAIN)) {
    console.log(`${MAIN} is missing: running npm run build`);
    const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    if (build.status !== 0 || !existsSync(MAIN)) throw new Error('npm run build failed');
    return;
  }
  const built = statSync(MAIN).mtimeMs;
  const newest = (readdirSync('server', { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .reduce((max, f) => Math.max(max, statSync(join('server', f)).mtimeMs), 0);
  if (newest > built) console.log(`note: ${MAIN} is older than server/ sources — figures are for the last build`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

interface Subject {
  name: string;
  args: string[];
  env: Record<string, string>;
}

/** Milliseconds from spawn to the first 200 from /health; the server is stopped afterwards. */
async function timeOneStart(subject: Subject): Promise<number> {
  const port = await freePort();
  const { command, args } = pinnedCommand(subject.args);
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...subject.env, PORT: String(port) } });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    while (performance.now() - started < START_TIMEOUT_MS && !exited) {
      if ((await healthStatus(port)) === 200) return performance.now() - started;
      await sleep(POLL_EVERY_MS);
    }
    throw new Error(`${subject.name} ${exited ? 'exited' : 'did not answer /health'} within ${START_TIMEOUT_MS} ms`);
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(killer);
    }
  }
}

async function main(): Promise<void> {
  console.log('== cold-start: spawn → first 200 from /health ==');
  console.log(pinLoadToCpu());
  console.log(await describeMachineLoad());
  ensureBuilt();
  const logsDir = mkdtempSync(join(tmpdir(), 'galaxy-bench-cold-'));
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const subjects: Subject[] = [
    { name: 'node:http hello world', args: ['--input-type=module', '-e', BARE_HTTP], env: base },
    { name: 'bare uWebSockets.js', args: ['--input-type=module', '-e', BARE_UWS], env: base },
    {
      name: 'Galaxy (node dist/server/main.js)',
      args: [MAIN],
      // Production settings, except: no startup calls to model providers (this bench talks only to
      // 127.0.0.1) and no Python warm pool (it starts after listening and would outlive each run).
      env: {
        ...base, HOST: '127.0.0.1', LOG_LEVEL: 'info', LOGS_DIR: logsDir, DATABASE_URL: `sqlite:${join(logsDir, 'galaxy.db')}`, DATA_DIR: join(tmpdir(), 'galaxy-test-data'),
        LLM_STARTUP_CHECK: 'false', CODE_WARM_POOL: '0', SHUTDOWN_GRACE_MS: '0',
      },
    },
  ];
  // The same with the store on the main thread: what starting the store's worker thread costs the boot.
  const production = subjects[2]!;
  subjects.push({ name: 'Galaxy, STORE_WORKER=false', args: production.args, env: { ...production.env, STORE_WORKER: 'false' } });
  const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  try {
    // The first start of each warms the page cache (and builds the sample data once); not counted.
    for (const subject of subjects) await timeOneStart(subject);
    for (let run = 0; run < RUNS; run++) {
      for (const subject of subjects) times.get(subject.name)!.push(await timeOneStart(subject));
    }
  } finally {
    rmSync(logsDir, { recursive: true, force: true });
  }
  const bare = summarize(times.get('bare uWebSockets.js')!);
  const rows = subjects.map((s) => {
    const t = summarize(times.get(s.name)!);
    return [s.name, t.n, fmt(t.p50, 1), fmt(t.max, 1), `${fmt(t.p50 / bare.p50)}×`];
  });
  printTable(`Cold start, ms (${RUNS} runs each, interleaved, after one uncounted warm-up)`, ['server', 'runs', 'p50', 'max', 'p50 vs bare uWS'], rows);
  const galaxy = summarize(times.get(subjects[2]!.name)!);
  verdict('cold start ≤ 300 ms (judged on p50)', galaxy.p50 <= 300, `Galaxy p50 ${fmt(galaxy.p50, 1)} ms, max ${fmt(galaxy.max, 1)} ms (bare uWS p50 ${fmt(bare.p50, 1)} ms)`);
}

await main();
