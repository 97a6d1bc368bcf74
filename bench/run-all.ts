import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fmt, printTable } from './support/report.js';

/**
 * `npm run bench`: runs every bench script under bench/, one after another, each in its own
 * process (`npx tsx bench/<name>.ts`) so one bench's servers, sockets and heap never colour the
 * next one's figures. A file counts as a bench script when its own text gives that command
 * (as each script's header comment does); helpers such as page-harness.ts do not, so they are
 * never run. A script that fails or overruns is reported and the others still run.
 */

const PREFERRED_ORDER = ['server-relay', 'cold-start', 'idle-memory', 'page-render'];
const SCRIPT_TIMEOUT_MS = 150_000;

function benchScripts(): string[] {
  const found = readdirSync('bench')
    .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts')
    .map((file) => file.slice(0, -3))
    .filter((name) => readFileSync(`bench/${name}.ts`, 'utf8').includes(`npx tsx bench/${name}.ts`));
  const rank = (name: string) => (PREFERRED_ORDER.includes(name) ? PREFERRED_ORDER.indexOf(name) : PREFERRED_ORDER.length);
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The running script's process group, so Ctrl-C stops it too (it is detached from ours). */
let runningGroup: number | undefined;
process.on('SIGINT', () => {
  if (runningGroup) process.kill(-runningGroup, 'SIGKILL');
  process.exit(130);
});

function runScript(name: string): Promise<{ status: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Its own process group, so an overrun can be stopped with everything it started, and nothing else.
    const child = spawn('npx', ['tsx', `bench/${name}.ts`], { stdio: 'inherit', detached: true });
    runningGroup = child.pid;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, SCRIPT_TIMEOUT_MS);
    const finish = (status: string) => {
      clearTimeout(timer);
      runningGroup = undefined;
      resolve({ status, seconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (err) => finish(`failed to start: ${err.message}`));
    child.on('exit', (code, signal) =>
      finish(timedOut ? `stopped after ${SCRIPT_TIMEOUT_MS / 1000} s` : code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`),
    );
  });
}

async function main(): Promise<void> {
  const scripts = benchScripts();
  console.log(`benchmarks: ${scripts.join(', ')}`);
  const results: Array<[string, string, string]> = [];
  for (const name of scripts) {
    console.log(`\n######## bench/${name}.ts ########`);
    const { status, seconds } = await runScript(name);
    results.push([name, status, fmt(seconds, 1)]);
  }
  printTable('Bench runs', ['script', 'result', 'seconds'], results);
  console.log('(figures are printed above by each script; "verdict:" lines compare them with design §10)');
  // A failed script is a broken bench, not a missed budget: only that makes the run fail.
  if (results.some(([, status]) => status !== 'ok')) process.exitCode = 1;
}

await main();
