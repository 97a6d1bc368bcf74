import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSplitter, maxFrameBytes } from '../../server/tools/python/protocol.js';
import { SandboxPool } from '../../server/tools/python/sandbox-pool.js';
import type { LaunchSpec } from '../../server/tools/python/sandbox-process.js';

/**
 * The pool's bookkeeping, tested against a stand-in child that speaks the sandbox protocol without
 * loading Pyodide (fast): it answers each request with its own pid as stdout, or hangs on "hang".
 */

const log = pino({ level: 'silent' });

const FAKE_CHILD = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (frame) => process.stdout.write(JSON.stringify(frame) + '\\n');
send({ type: 'ready' });
rl.on('line', (line) => {
  const { id, code } = JSON.parse(line);
  if (code === 'hang') return;
  send({ type: 'result', id, stdout: String(process.pid), stderr: '', stdoutTruncated: false, stderrTruncated: false,
    outputLimitReached: false, result: null, chart: null, error: null, fatal: false });
});
rl.on('close', () => process.exit(0));
`;

function fakeSpec(script = FAKE_CHILD): LaunchSpec {
  return { argv: [process.execPath, '-e', script], maxFrameBytes: maxFrameBytes(4096), rssCapBytes: 2 ** 40, startTimeoutMs: 30_000 };
}

const signal = () => new AbortController().signal;
const pools: SandboxPool[] = [];

function newPool(options: { warmTarget: number; idleTimeoutMs: number }, spec = fakeSpec()): SandboxPool {
  const pool = new SandboxPool(spec, options, log);
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe('SandboxPool', () => {
  it('gives each session its own process and keeps it for the session', async () => {
    const pool = newPool({ warmTarget: 1, idleTimeoutMs: 60_000 });
    await pool.start();
    const a1 = (await pool.run('a', 'x', signal())).reply.stdout;
    const b1 = (await pool.run('b', 'x', signal())).reply.stdout;
    const a2 = (await pool.run('a', 'x', signal())).reply.stdout;
    expect(a1).not.toBe(b1);
    expect(a2).toBe(a1);
  });

  it('serves a new session from the warm process and refills it', async () => {
    const pool = newPool({ warmTarget: 2, idleTimeoutMs: 60_000 });
    await pool.start();
    expect(pool.warmReady).toBe(2);
    await pool.run('a', 'x', signal());
    expect(pool.liveSessions).toBe(1);
    await expect.poll(() => pool.warmReady, { timeout: 10_000 }).toBe(2);
  });

  it('stops an interpreter left idle, and tells the session its state is gone', async () => {
    const pool = newPool({ warmTarget: 0, idleTimeoutMs: 300 });
    const first = (await pool.run('idle', 'x', signal())).reply.stdout;
    await expect.poll(() => pool.liveSessions, { timeout: 5_000 }).toBe(0);
    const next = await pool.run('idle', 'x', signal());
    expect(next.reply.stdout).not.toBe(first);
    expect(next.previousInterpreterLost).toBe('it was idle for too long');
  });

  it('fails a pending call when its session is disposed', async () => {
    const pool = newPool({ warmTarget: 0, idleTimeoutMs: 60_000 });
    const hanging = pool.run('gone', 'hang', signal());
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pool.disposeSession('gone');
    await expect(hanging).rejects.toThrow('The Python interpreter was stopped: its chat session ended');
  });

  it('rejects with the abort reason and kills the process when a call is aborted', async () => {
    const pool = newPool({ warmTarget: 0, idleTimeoutMs: 60_000 });
    const before = (await pool.run('abort', 'x', signal())).reply.stdout;
    const controller = new AbortController();
    const hanging = pool.run('abort', 'hang', controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reason = new Error('timed out');
    controller.abort(reason);
    await expect(hanging).rejects.toBe(reason);
    const after = await pool.run('abort', 'x', signal());
    expect(after.reply.stdout).not.toBe(before);
    expect(after.previousInterpreterLost).toBe('it was stopped (time limit reached or the run was cancelled)');
  });

  it('reports a process that cannot start as a failed start, without spinning', async () => {
    const pool = newPool({ warmTarget: 1, idleTimeoutMs: 60_000 }, fakeSpec('process.exit(3)'));
    await expect(pool.start()).rejects.toThrow('The Python sandbox could not be started.');
  });

  it('refuses work after stop()', async () => {
    const pool = newPool({ warmTarget: 1, idleTimeoutMs: 60_000 });
    await pool.start();
    await pool.stop();
    expect(pool.warmReady).toBe(0);
    await expect(pool.run('late', 'x', signal())).rejects.toThrow('shutting down');
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and refuses a line longer than its cap', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from('{"a"'))).toEqual([]);
    expect(splitter.push(Buffer.from(':1}\n{"b":2}\n'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(splitter.push(Buffer.from('0123456789'))).toEqual([]);
    expect(splitter.push(Buffer.from('X'))).toBeNull();
  });
});
