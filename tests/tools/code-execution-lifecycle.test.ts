import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeExecutionTool } from '../../server/tools/code-execution.js';
import { detectIsolation } from '../../server/tools/python/isolation.js';
import type { SandboxIsolation } from '../../server/tools/python/isolation.js';
import { buildLaunchSpec, buildSnapshotArgv } from '../../server/tools/python/launch-spec.js';
import { childrenOf, processTree } from '../../server/tools/process-tree.js';
import { SandboxProcess } from '../../server/tools/python/sandbox-process.js';
import { makeInterpreterSnapshot, type InterpreterSnapshot } from '../../server/tools/python/snapshot.js';
import type { ToolContext, ToolOutcome } from '../../server/tools/tool.js';

/** Process lifetimes: warm pool, dispose, timeout, stop, parent death, watchdogs, fallback isolation. */

const log = pino({ level: 'silent' });
const LIMITS = { timeoutMs: 60_000, maxResultChars: 200_000 };
const SLOW = { timeout: 120_000 };

function context(sessionId: string, signal = new AbortController().signal): ToolContext {
  return { user: 'tester@example.com', tenant: 'default', credentials: {}, sessionId, dataSources: [], signal, log };
}

function runPython(tool: CodeExecutionTool, sessionId: string, code: string): Promise<ToolOutcome> {
  return tool.execute(JSON.stringify({ code }), context(sessionId), LIMITS);
}

/** Running (not gone, not a zombie). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sandbox processes this test process started directly (each the root of one sandbox's tree). */
function sandboxRoots(): number[] {
  return childrenOf(process.pid).filter((pid) => {
    try {
      return isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sandbox-child.mjs');
    } catch {
      return false;
    }
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('code_execution: process lifetimes', SLOW, () => {
  let tool: CodeExecutionTool;

  beforeAll(async () => {
    tool = new CodeExecutionTool({ timeoutMs: 3_000, memoryMb: 256, outputMaxBytes: 65_536, requireNetns: false, warmPool: 1 }, log);
    await tool.start();
  }, 120_000);

  afterAll(async () => {
    await tool.stop();
  });

  it('starts with one loaded interpreter waiting, hands it to the first session and refills behind it', async () => {
    expect(tool.readiness()).toMatchObject({ warm: 1, sessions: 0 });
    const [warmPid] = sandboxRoots();
    expect(sandboxRoots()).toEqual([warmPid]);

    expect(await runPython(tool, 'first', '1 + 1')).toMatchObject({ ok: true, content: 'result:\n2' });
    expect(isRunning(warmPid!)).toBe(true); // the warm process now serves the session…
    expect(tool.readiness()).toMatchObject({ sessions: 1 });
    await until(() => tool.readiness()?.warm === 1, 'the pool to refill');
    expect(sandboxRoots()).toHaveLength(2); // …and a new one waits for the next session.
  });

  it('kills the session interpreter on disposeSession, leaving the warm one', async () => {
    const before = sandboxRoots();
    await tool.disposeSession('first');
    const after = sandboxRoots();
    expect(after).toHaveLength(1);
    const [gone] = before.filter((pid) => !after.includes(pid));
    expect(isRunning(gone!)).toBe(false);
    expect(tool.readiness()).toMatchObject({ sessions: 0 });
  });

  it('runs the calls of one session one after another, in order', async () => {
    const slow = runPython(tool, 'ordered', 'import time\ntime.sleep(0.3)\nvalue = "first"');
    const next = runPython(tool, 'ordered', 'value');
    expect(await next).toMatchObject({ ok: true, content: "result:\n'first'" });
    expect(await slow).toMatchObject({ ok: true });
  });

  it('kills the whole process tree when a call times out', async () => {
    const rootsBefore = sandboxRoots(); // this session's interpreter and the warm one
    const treesBefore = rootsBefore.flatMap((pid) => processTree(pid));
    expect(await runPython(tool, 'ordered', 'while True: pass')).toMatchObject({ ok: false, code: 'TOOL_TIMEOUT' });
    await until(() => sandboxRoots().length === rootsBefore.length - 1, 'the timed-out interpreter to be gone', 5_000);
    const warmTree = sandboxRoots().flatMap((pid) => processTree(pid));
    const killed = treesBefore.filter((pid) => !warmTree.includes(pid));
    expect(killed.length).toBeGreaterThanOrEqual(1);
    await until(() => killed.every((pid) => !isRunning(pid)), 'the launcher and the interpreter to be gone', 5_000);
  });

  it('kills the interpreter when the caller stops the turn', async () => {
    await until(() => tool.readiness()?.warm === 1, 'a warm interpreter');
    const stop = new AbortController();
    const call = tool.execute(JSON.stringify({ code: 'while True: pass' }), context('stopped', stop.signal), LIMITS);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const busy = sandboxRoots();
    stop.abort(new Error('user pressed stop'));
    expect(await call).toMatchObject({ ok: false });
    await until(() => sandboxRoots().length < busy.length, 'the stopped interpreter to be gone', 5_000);
  });

  it('stop() leaves no process running and refuses further calls', async () => {
    const trees = sandboxRoots().flatMap((pid) => processTree(pid));
    expect(trees.length).toBeGreaterThan(0);
    await tool.stop();
    expect(sandboxRoots()).toEqual([]);
    expect(trees.filter(isRunning)).toEqual([]);
    expect(await runPython(tool, 'after-stop', '1')).toMatchObject({ ok: false });
  });
});

describe('code_execution: sandbox processes outside the pool', SLOW, () => {
  const limits = { memoryMb: 512, outputMaxBytes: 4096 };
  let isolation: SandboxIsolation;
  let snapshot: InterpreterSnapshot;

  beforeAll(async () => {
    isolation = await detectIsolation({ useNamespaces: true });
    // One full Pyodide load; every child below restores from it in a fraction of the time.
    snapshot = await makeInterpreterSnapshot(buildSnapshotArgv(isolation, limits), 600 * 2 ** 20, 120_000);
  }, 120_000);

  afterAll(() => snapshot?.dispose());

  it('dies with a SIGKILLed parent, whether idle or busy in Python', async () => {
    const spec = buildLaunchSpec(isolation, limits, snapshot.path);
    // A stand-in server: starts two sandboxes exactly as the pool does, makes one busy, reports pids.
    const server = [
      "const { spawn } = await import('node:child_process');",
      'const argv = JSON.parse(process.argv[1]);',
      "const start = () => spawn(argv[0], argv.slice(1), { env: {}, stdio: ['pipe', 'pipe', 'ignore'] });",
      'const idle = start(); const busy = start();',
      "const ready = (c) => new Promise((r) => c.stdout.once('data', r));",
      'await Promise.all([ready(idle), ready(busy)]);',
      "busy.stdin.write(JSON.stringify({ id: 1, code: 'while True: pass' }) + '\\n');",
      'setTimeout(() => console.log(JSON.stringify([idle.pid, busy.pid])), 300);',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['--input-type=module', '-e', server, JSON.stringify(spec.argv)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const roots = await new Promise<number[]>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()))));
    const trees = roots.flatMap((pid) => processTree(pid));
    expect(trees.every(isRunning)).toBe(true);
    expect(trees.length).toBeGreaterThanOrEqual(2);

    parent.kill('SIGKILL');
    await until(() => trees.every((pid) => !isRunning(pid)), 'both sandboxes to die with their parent', 10_000);
  });

  it('kills an interpreter whose resident memory passes the cap', async () => {
    const spec = buildLaunchSpec(isolation, limits, snapshot.path);
    // Python may use 512 MB of wasm memory, but the process as a whole is held to ~300 MB.
    const sandbox = new SandboxProcess({ ...spec, rssCapBytes: 300 * 2 ** 20 }, log);
    await sandbox.ready;
    const run = sandbox.run('big = bytearray(400_000_000)', new AbortController().signal);
    await expect(run).rejects.toThrow(/memory limit/);
    expect(sandbox.endReason).toBe('memory');
    await sandbox.exited;
  });

  it('never buffers more than one frame of a child flooding its pipe', async () => {
    const flood = "process.stdout.write('x'.repeat(50_000_000))";
    const sandbox = new SandboxProcess({ argv: [process.execPath, '-e', flood], maxFrameBytes: 1_000_000, rssCapBytes: 2 ** 40, startTimeoutMs: 30_000 }, log);
    const rssBefore = process.memoryUsage().rss;
    await expect(sandbox.ready).rejects.toThrow('The Python sandbox could not be started.');
    expect(sandbox.endReason).toBe('protocol');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * 2 ** 20);
  });

  it('treats a frame that is not the protocol as a violation', async () => {
    const sandbox = new SandboxProcess({ argv: [process.execPath, '-e', "console.log('{\"type\":\"surprise\"}')"], maxFrameBytes: 1_000, rssCapBytes: 2 ** 40, startTimeoutMs: 30_000 }, log);
    await expect(sandbox.ready).rejects.toThrow('The Python sandbox could not be started.');
    expect(sandbox.endReason).toBe('protocol');
  });
});

describe('code_execution: without namespaces (process-only fallback)', SLOW, () => {
  it('refuses to start when a network namespace is required but unavailable', async () => {
    const tool = new CodeExecutionTool({ timeoutMs: 3_000, memoryMb: 128, outputMaxBytes: 4096, requireNetns: true, warmPool: 1, useNamespaces: false }, log);
    await expect(tool.start()).rejects.toThrow(/CODE_REQUIRE_NETNS is set but this host cannot give the Python sandbox its own network namespace/);
    expect(sandboxRoots()).toEqual([]);
  });

  it('still opens no connection: sockets are cut inside the child', async () => {
    const tool = new CodeExecutionTool({ timeoutMs: 30_000, memoryMb: 128, outputMaxBytes: 4096, requireNetns: false, warmPool: 1, useNamespaces: false }, log);
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      await tool.start();
      expect(tool.readiness()).toMatchObject({ isolation: 'process-only', pidNamespace: false });
      const socketTry = await runPython(tool, 'offline', `import socket\nsocket.create_connection(('127.0.0.1', ${port}), timeout=2)`);
      expect(socketTry.ok && socketTry.content).toContain('OSError: [Errno 23] Host is unreachable');
      const urlTry = await runPython(tool, 'offline', `import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${port}/', timeout=2)`);
      expect(urlTry.ok && urlTry.content).toContain('URLError');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      listener.close();
      await tool.stop();
    }
  });
});
