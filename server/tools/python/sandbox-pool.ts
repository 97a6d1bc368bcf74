import type { Logger } from 'pino';
import { ToolError } from '../tool.js';
import type { SandboxReply } from './protocol.js';
import { SandboxProcess, type DeathReason, type LaunchSpec } from './sandbox-process.js';

export interface PoolOptions {
  /** Processes kept started and loaded, ready to be handed to a session. */
  warmTarget: number;
  /** A session's interpreter idle this long is stopped to free its memory. */
  idleTimeoutMs: number;
}

export interface PoolRunResult {
  reply: SandboxReply;
  /** Set when this session had an interpreter before and it was lost, so earlier state is gone. */
  previousInterpreterLost?: string;
}

interface SessionSlot {
  process: SandboxProcess | undefined;
  /** The current process has been given code, so it may hold state the session would lose with it. */
  used: boolean;
  /** Why the session's last interpreter ended, until a new one has run code. */
  lost: string | undefined;
  /** Calls of one session run one after another, in arrival order. */
  queue: Promise<unknown>;
  lastUsed: number;
}

const LOST_BECAUSE: Record<DeathReason | 'idle', string> = {
  killed: 'it was stopped (time limit reached or the run was cancelled)',
  memory: 'it ran out of memory',
  protocol: 'it misbehaved',
  crashed: 'it crashed',
  exited: 'it exited',
  'start-failed': 'it failed to start',
  idle: 'it was idle for too long',
};
const MAX_REFILL_BACKOFF_MS = 30_000;

/**
 * Interpreters per session plus a warm pool. Each session gets its own process (nothing is shared
 * between sessions or users); a process handed to a session never goes back to the pool. Warm
 * processes have already paid the interpreter start (a snapshot restore, or a full ~3 s load).
 * Lifetime: every process this pool starts is either warm, owned by exactly one session, or
 * killed — `stop()` kills them all.
 */
export class SandboxPool {
  private warm: SandboxProcess[] = [];
  private readonly sessions = new Map<string, SessionSlot>();
  private stopped = false;
  private failures = 0;
  private loading = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly spec: LaunchSpec,
    private readonly options: PoolOptions,
    private readonly log: Logger,
  ) {
    this.idleTimer = setInterval(() => this.reapIdle(), Math.max(1_000, Math.min(60_000, options.idleTimeoutMs / 4)));
    this.idleTimer.unref();
  }

  /** Fills the warm pool (one load after another) and waits until it is loaded; throws if a process cannot start. */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.warmTarget; i++) {
      this.refill();
      await Promise.all(this.warm.map((p) => p.ready));
    }
  }

  /** Warm processes loaded and waiting for a session. */
  get warmReady(): number {
    return this.warm.filter((p) => p.isReady).length;
  }

  get liveSessions(): number {
    return [...this.sessions.values()].filter((s) => s.process?.alive).length;
  }

  run(sessionId: string, code: string, signal: AbortSignal): Promise<PoolRunResult> {
    if (this.stopped) return Promise.reject(new ToolError('The Python sandbox is shutting down.'));
    let slot = this.sessions.get(sessionId);
    if (!slot) {
      slot = { process: undefined, used: false, lost: undefined, queue: Promise.resolve(), lastUsed: Date.now() };
      this.sessions.set(sessionId, slot);
    }
    const owner = slot;
    const task = owner.queue.then(() => this.runInSlot(sessionId, owner, code, signal));
    owner.queue = task.catch(() => {});
    return task;
  }

  async disposeSession(sessionId: string): Promise<void> {
    const slot = this.sessions.get(sessionId);
    if (!slot) return;
    this.sessions.delete(sessionId);
    await slot.process?.kill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.idleTimer);
    clearTimeout(this.refillTimer);
    const all = [...this.warm, ...[...this.sessions.values()].flatMap((s) => (s.process ? [s.process] : []))];
    this.warm = [];
    this.sessions.clear();
    await Promise.all(all.map((p) => p.kill()));
  }

  private async runInSlot(sessionId: string, slot: SessionSlot, code: string, signal: AbortSignal): Promise<PoolRunResult> {
    if (signal.aborted) throw signal.reason;
    if (slot.process && !slot.process.alive) {
      if (slot.used) slot.lost ??= LOST_BECAUSE[slot.process.endReason ?? 'exited'];
      slot.process = undefined;
    }
    if (!slot.process) {
      slot.process = this.takeWarm();
      slot.used = false;
    }
    const interpreter = slot.process;
    await untilReadyOrAborted(interpreter, signal);
    if (this.stopped || this.sessions.get(sessionId) !== slot) throw new ToolError('The Python session has ended.');
    slot.lastUsed = Date.now();
    slot.used = true;
    try {
      const reply = await interpreter.run(code, signal);
      const lost = slot.lost;
      slot.lost = undefined;
      return lost ? { reply, previousInterpreterLost: lost } : { reply };
    } finally {
      slot.lastUsed = Date.now();
    }
  }

  /** Hands out a warm process (or a new one if none is warm) and refills behind it. */
  private takeWarm(): SandboxProcess {
    this.warm = this.warm.filter((p) => p.alive);
    const interpreter = this.warm.shift() ?? this.launch();
    this.refill();
    return interpreter;
  }

  /** Every start goes through here, so loads can be counted and kept one at a time. */
  private launch(): SandboxProcess {
    const interpreter = new SandboxProcess(this.spec, this.log);
    this.loading++;
    interpreter.ready
      .then(
        () => (this.failures = 0),
        () => this.onStartFailure(),
      )
      .finally(() => {
        this.loading--;
        this.refill();
      });
    return interpreter;
  }

  /**
   * Starts at most one warm process at a time, and none while any other process of this pool is
   * still loading: on a small machine two concurrent ~2 s loads make both late.
   */
  private refill(): void {
    if (this.stopped || this.refillTimer || this.loading > 0) return;
    this.warm = this.warm.filter((p) => p.alive);
    if (this.warm.length >= this.options.warmTarget) return;
    const interpreter = this.launch();
    this.warm.push(interpreter);
    // A warm process that ends on its own (never expected) is replaced.
    void interpreter.exited.then(() => {
      if (this.warm.includes(interpreter)) this.refill();
    });
  }

  /** Back off, so a broken installation does not spawn processes in a tight loop. */
  private onStartFailure(): void {
    if (this.stopped) return;
    this.failures++;
    const delay = Math.min(MAX_REFILL_BACKOFF_MS, 500 * 2 ** this.failures);
    clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, delay);
    this.refillTimer.unref();
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const slot of this.sessions.values()) {
      const interpreter = slot.process;
      if (!interpreter || interpreter.busy || now - slot.lastUsed < this.options.idleTimeoutMs) continue;
      slot.process = undefined;
      if (slot.used) slot.lost = LOST_BECAUSE.idle;
      void interpreter.kill();
    }
  }
}

function untilReadyOrAborted(interpreter: SandboxProcess, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    interpreter.ready.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
