import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ToolError } from '../tool.js';
import { childFrame, LineSplitter, type ChildFrame, type SandboxReply } from './protocol.js';
import { killTree, treeRssBytes } from '../process-tree.js';

/** Everything needed to start one child (see launch-spec.ts). */
export interface LaunchSpec {
  argv: string[];
  maxFrameBytes: number;
  /** Resident-memory ceiling for the child's whole process tree. */
  rssCapBytes: number;
  startTimeoutMs: number;
}

export type DeathReason = 'killed' | 'memory' | 'protocol' | 'crashed' | 'start-failed' | 'exited';

const WATCHDOG_INTERVAL_MS = 100;
const STDERR_TAIL_BYTES = 4096;

/**
 * One sandboxed Python interpreter in its own OS process. It runs one request at a time, and it
 * is killed — never reused — after a timeout, a memory overrun, a protocol violation or a crash.
 * Lifetime: the process MUST die through `kill()` or on its own; `exited` settles either way and
 * the temp dir is removed then.
 */
export class SandboxProcess {
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly workDir: string;
  private readonly frames: LineSplitter;
  private readonly watchdog: NodeJS.Timeout;
  private stderrTail = '';
  private deathReason: DeathReason | undefined;
  private loaded = false;
  private nextId = 1;
  private pending: { id: number; resolve: (r: SandboxReply) => void; reject: (e: Error) => void } | undefined;
  private settleReady: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly spec: LaunchSpec,
    private readonly log: Logger,
  ) {
    // Fresh and empty for every child; the permission model forbids writing to it anyway.
    this.workDir = mkdtempSync(join(tmpdir(), 'galaxy-python-'));
    this.frames = new LineSplitter(spec.maxFrameBytes);
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection here
    const [command, ...args] = spec.argv as [string, ...string[]];
    this.child = spawn(command, args, { env: {}, cwd: this.workDir, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', (err) => {
        this.die('start-failed', `could not start: ${err.message}`);
        if (this.child.pid === undefined) resolve(); // never started: no 'close' will follow
      });
    });
    this.child.once('exit', (code, signal) => this.onExit(code, signal));
    this.child.stdin?.on('error', () => {}); // EPIPE after the child died: reported through 'exit'
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    const startTimer = setTimeout(() => this.die('start-failed', 'did not become ready in time'), spec.startTimeoutMs);
    this.ready.then(() => clearTimeout(startTimer), () => clearTimeout(startTimer));
    this.watchdog = setInterval(() => this.checkMemory(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref(); // the child's own pipes keep the server alive while it runs
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.deathReason === undefined;
  }

  /** Loaded and alive: a run starts at once. */
  get isReady(): boolean {
    return this.loaded && this.alive;
  }

  /** Why the process ended; undefined while it lives. */
  get endReason(): DeathReason | undefined {
    return this.deathReason;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Runs `code`; on `signal` abort the process is killed and the promise rejects with the abort reason. */
  run(code: string, signal: AbortSignal): Promise<SandboxReply> {
    if (!this.alive) return Promise.reject(new ToolError('The Python interpreter is no longer running.'));
    if (this.pending) return Promise.reject(new Error('SandboxProcess runs one request at a time'));
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise<SandboxReply>((resolve, reject) => {
      const onAbort = () => {
        this.pending = undefined;
        done();
        reject(signal.reason);
        // MUST kill: a busy interpreter cannot be interrupted from outside, only stopped.
        this.die('killed', 'stopped by the caller');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      this.pending = {
        id,
        resolve: (reply) => (done(), resolve(reply)),
        reject: (err) => (done(), reject(err)),
      };
      this.child.stdin?.write(`${JSON.stringify({ id, code })}\n`);
    });
  }

  /** Stops the process now (SIGKILL over its whole tree). Safe to call repeatedly. */
  kill(): Promise<void> {
    this.die('killed', 'killed');
    return this.exited;
  }

  private onStdout(chunk: Buffer): void {
    const lines = this.frames.push(chunk);
    if (lines === null) return this.die('protocol', 'sent a frame over the size limit');
    for (const line of lines) {
      let frame: ChildFrame;
      try {
        frame = childFrame.parse(JSON.parse(line));
      } catch {
        return this.die('protocol', 'sent a malformed frame');
      }
      this.onFrame(frame);
    }
  }

  private onFrame(frame: ChildFrame): void {
    if (frame.type === 'ready') {
      if (this.loaded) return this.die('protocol', 'announced itself twice');
      this.loaded = true;
      this.settleReady?.resolve();
      return;
    }
    if (frame.type === 'fatal') return this.die('start-failed', `failed to start: ${frame.message}`);
    const pending = this.pending;
    if (!pending || pending.id !== frame.id) return this.die('protocol', 'answered a request it was not given');
    this.pending = undefined;
    const { type: _type, id: _id, fatal, ...reply } = frame;
    pending.resolve(reply);
    // The interpreter said it is broken (it exits by itself); make sure it is gone.
    if (fatal) this.die('crashed', 'the interpreter crashed');
  }

  private checkMemory(): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    const rss = treeRssBytes(pid);
    if (rss > this.spec.rssCapBytes) {
      this.die('memory', `used ${Math.round(rss / 2 ** 20)} MB, over the ${Math.round(this.spec.rssCapBytes / 2 ** 20)} MB cap`);
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.die('exited', `exited (code ${code ?? '-'}, signal ${signal ?? '-'})`);
  }

  /** Single place where a child ends: kill it, fail whoever waits, release resources. */
  private die(reason: DeathReason, detail: string): void {
    const first = this.deathReason === undefined;
    if (first) this.deathReason = reason;
    clearInterval(this.watchdog);
    const pid = this.child.pid;
    // Only while Node has not reaped it: after that the pid may belong to someone else.
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) killTree(pid);
    if (!first) return;
    const level = reason === 'killed' || reason === 'exited' ? 'debug' : 'warn';
    this.log[level]({ pid, reason, detail, stderr: this.stderrTail || undefined }, 'python sandbox process ended');
    const error = new ToolError(this.loaded ? this.describeDeath(reason) : 'The Python sandbox could not be started.');
    this.settleReady?.reject(error);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    void this.exited.then(() => rmSync(this.workDir, { recursive: true, force: true }));
  }

  private describeDeath(reason: DeathReason): string {
    switch (reason) {
      case 'memory': {
        const capMb = Math.round(this.spec.rssCapBytes / 2 ** 20);
        return `The program used more than the sandbox's memory limit (${capMb} MB for the whole interpreter) and was stopped. Variables from earlier runs are gone.`;
      }
      case 'protocol':
        return 'The Python sandbox misbehaved and was stopped. Variables from earlier runs are gone.';
      case 'killed':
        return 'The Python interpreter was stopped: its chat session ended or the server is shutting down.';
      default:
        return 'The Python interpreter stopped unexpectedly and was discarded. Variables from earlier runs are gone.';
    }
  }
}
