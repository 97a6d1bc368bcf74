import type { Logger } from 'pino';
import { z } from 'zod';
import { Tool, type ToolContext, type ToolResult } from './tool.js';
import { detectIsolation, type SandboxIsolation } from './python/isolation.js';
import { buildLaunchSpec, buildSnapshotArgv, rssCapMb, type SandboxLimits } from './python/launch-spec.js';
import { buildView } from './python/result-format.js';
import { SandboxPool } from './python/sandbox-pool.js';
import { makeInterpreterSnapshot, type InterpreterSnapshot } from './python/snapshot.js';

export interface CodeExecutionOptions {
  /** Wall-clock limit per call; the interpreter is killed when it passes. */
  timeoutMs: number;
  /** Python's memory cap (the wasm heap); the process as a whole may use a fixed overhead more. */
  memoryMb: number;
  /** Cap on stdout, on stderr and on the result text, each. */
  outputMaxBytes: number;
  /** Refuse to start unless the OS gives the child an empty network namespace. */
  requireNetns: boolean;
  /** Interpreters kept loaded and ready for new sessions. */
  warmPool: number;
  /** Stop a session's interpreter after this long without a call (default 15 minutes). */
  idleTimeoutMs?: number;
  /** Use Linux namespaces when available (default true; false exercises the 'process-only' fallback). */
  useNamespaces?: boolean;
}

/** What /ready shows. A type alias, not an interface, so it fits the base class's Record<string, unknown>. */
export type CodeExecutionReadiness = {
  isolation: SandboxIsolation['level'];
  pidNamespace: boolean;
  parentDeathSignal: boolean;
  /** New interpreters restore a start-up snapshot instead of loading Pyodide from scratch. */
  snapshot: boolean;
  memoryCapMb: number;
  processMemoryCapMb: number;
  warm: number;
  sessions: number;
};

/** The longest program accepted; also the code ui's limit. */
const MAX_CODE_CHARS = 100_000;
const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
const SNAPSHOT_TIMEOUT_MS = 120_000;

const inputSchema = z.object({
  code: z.string().min(1).max(MAX_CODE_CHARS).describe('Python 3 source code to run.'),
});

/**
 * `code_execution`: Python (Pyodide, standard library only) in a separate sandboxed OS process per
 * chat session. How the sandbox works, and why each fence exists: docs/tools.md.
 */
export class CodeExecutionTool extends Tool<typeof inputSchema> {
  readonly name = 'code_execution';
  readonly inputSchema = inputSchema;
  override readonly timeoutMs: number;
  readonly description: string;
  private isolation: SandboxIsolation | undefined;
  private pool: SandboxPool | undefined;
  private snapshot: InterpreterSnapshot | undefined;
  private starting: Promise<void> | undefined;
  private detecting: Promise<SandboxIsolation> | undefined;
  private stopped = false;

  constructor(
    private readonly options: CodeExecutionOptions,
    private readonly log: Logger,
  ) {
    super();
    this.timeoutMs = options.timeoutMs;
    this.description = [
      'Run Python 3 code (standard library only, no pip packages) and get its stdout, stderr, the repr of the',
      'last expression, and any error traceback. Each chat has its own interpreter: variables, functions and',
      'files in /tmp persist between calls in the same chat. There is no network access and no access to the',
      `host's files. Limits: ${Math.round(options.timeoutMs / 1000)} s per call (the interpreter is reset if`,
      `exceeded), ${options.memoryMb} MB memory, ${options.outputMaxBytes} bytes of output.`,
      'To show a chart, make the last expression a dict like',
      '{"type": "chart", "kind": "bar", "title": "Sales", "labels": ["Q1", "Q2"],',
      '"datasets": [{"label": "2024", "data": [10, 12]}]} — kind is "bar", "line" or "pie"; up to 10 datasets of',
      'up to 1000 finite numbers, one per label.',
    ].join(' ');
  }

  /**
   * At boot: detects (and reports) the isolation level, and with a warm pool also builds the
   * snapshot and loads interpreters. With CODE_WARM_POOL=0 that heavy part waits for the first call.
   */
  override async start(): Promise<void> {
    if (this.options.warmPool > 0) await this.ensureStarted();
    else await this.ensureIsolation();
  }

  /** Concurrent and repeated calls share one start; a failed start may be retried. */
  private ensureStarted(): Promise<void> {
    this.starting ??= this.startOnce().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private ensureIsolation(): Promise<SandboxIsolation> {
    this.detecting ??= this.detectIsolationOnce().catch((err: unknown) => {
      this.detecting = undefined;
      throw err;
    });
    return this.detecting;
  }

  private async detectIsolationOnce(): Promise<SandboxIsolation> {
    if (this.stopped) throw new Error('code_execution has been stopped.');
    const isolation = await detectIsolation({ useNamespaces: this.options.useNamespaces ?? true });
    const facts = { isolation: isolation.level, pidNamespace: isolation.pidNamespace, parentDeathSignal: isolation.parentDeathSignal };
    if (isolation.level !== 'netns') {
      if (this.options.requireNetns) {
        throw new Error(
          'code_execution: CODE_REQUIRE_NETNS is set but this host cannot give the Python sandbox its own network namespace ' +
            '(`unshare -rn` failed: user namespaces are disabled or not permitted here). Allow unprivileged user namespaces, ' +
            'or unset CODE_REQUIRE_NETNS to accept process-only isolation.',
        );
      }
      this.log.warn(facts, 'python sandbox: no network namespace available; isolation is process-only (sockets cut inside the child)');
    } else {
      this.log.info(facts, 'python sandbox isolation');
    }
    this.isolation = isolation;
    return isolation;
  }

  private async startOnce(): Promise<void> {
    const isolation = await this.ensureIsolation();
    if (this.stopped) throw new Error('code_execution has been stopped.');
    const limits: SandboxLimits = { memoryMb: this.options.memoryMb, outputMaxBytes: this.options.outputMaxBytes };
    this.snapshot = await this.makeSnapshot(isolation, limits);
    const spec = buildLaunchSpec(isolation, limits, this.snapshot?.path);
    const pool = new SandboxPool(
      spec,
      { warmTarget: this.options.warmPool, idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS },
      this.log,
    );
    this.pool = pool;
    try {
      await pool.start();
    } catch (err) {
      await this.release();
      throw new Error(`code_execution: the Python sandbox could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Kills every child, then deletes the snapshot they may read. */
  private async release(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.stop();
    this.snapshot?.dispose();
    this.snapshot = undefined;
  }

  /** Optional speed-up: without a snapshot every interpreter does a full load, which is only slower. */
  private async makeSnapshot(isolation: SandboxIsolation, limits: SandboxLimits): Promise<InterpreterSnapshot | undefined> {
    const started = Date.now();
    try {
      const maxBytes = (limits.memoryMb + 64) * 2 ** 20;
      const snapshot = await makeInterpreterSnapshot(buildSnapshotArgv(isolation, limits), maxBytes, SNAPSHOT_TIMEOUT_MS);
      this.log.info({ ms: Date.now() - started }, 'python sandbox: interpreter snapshot ready');
      return snapshot;
    } catch (err) {
      this.log.warn({ err }, 'python sandbox: no interpreter snapshot; every interpreter will load Pyodide in full');
      return undefined;
    }
  }

  override async disposeSession(sessionId: string): Promise<void> {
    await this.pool?.disposeSession(sessionId);
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    // A start in progress would otherwise create a pool after this returns.
    await this.detecting?.catch(() => {});
    await this.starting?.catch(() => {});
    await this.release();
  }

  override readiness(): CodeExecutionReadiness | undefined {
    if (!this.isolation) return undefined;
    return {
      isolation: this.isolation.level,
      pidNamespace: this.isolation.pidNamespace,
      parentDeathSignal: this.isolation.parentDeathSignal,
      snapshot: this.snapshot !== undefined,
      memoryCapMb: this.options.memoryMb,
      processMemoryCapMb: rssCapMb(this.options.memoryMb),
      warm: this.pool?.warmReady ?? 0,
      sessions: this.pool?.liveSessions ?? 0,
    };
  }

  protected async run(input: z.infer<typeof inputSchema>, ctx: ToolContext): Promise<ToolResult> {
    if (this.stopped) throw new Error('code_execution has been stopped.');
    await this.ensureStarted();
    const pool = this.pool;
    if (!pool) throw new Error('code_execution is not started.');
    const { reply, previousInterpreterLost } = await pool.run(ctx.sessionId, input.code, ctx.signal);
    return buildView(input.code, reply, previousInterpreterLost);
  }
}
