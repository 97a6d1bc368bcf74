import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { Tool, ToolError, type ToolContext, type ToolResult } from './tool.js';

const MAX_EXPRESSION = 1000;
const MAX_RESULT = 2000;

interface Pending {
  resolve: (r: { ok: boolean; result?: string; error?: string }) => void;
}

/**
 * Arithmetic and common functions through mathjs in a restricted configuration (no eval, no
 * Function, no JS objects reachable). It runs in one worker thread; a runaway expression is killed
 * at the timeout by terminating the worker, and the next call gets a fresh one.
 */
export class BasicMathTool extends Tool {
  readonly name = 'basic_math';
  readonly description =
    'Evaluate a math expression exactly: arithmetic (+ - * / ^ %), parentheses, sqrt, abs, round, floor, ceil, ' +
    'exp, log, log10, sin/cos/tan (radians), pi, e, factorial (n!), mean, median, min, max, unit conversions ' +
    '("5 km to mile"). Input: {"expression": "(3 + 4) * 2^10"}.';
  readonly inputSchema = z.object({
    expression: z.string().min(1).max(MAX_EXPRESSION).describe('The expression to evaluate, e.g. "sqrt(2) * 10"'),
  });
  // Generous because the first call may wait for mathjs to load in the worker (about a second, more under load).
  override readonly timeoutMs = 10_000;

  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  protected async run(input: { expression: string }, ctx: ToolContext): Promise<ToolResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    let onAbort = () => {};
    const reply = await new Promise<{ ok: boolean; result?: string; error?: string }>((resolve, reject) => {
      this.pending.set(id, { resolve });
      onAbort = () => {
        this.pending.delete(id);
        // The evaluation may be stuck in a loop: only terminating the worker stops it.
        this.killWorker();
        reject(ctx.signal.reason instanceof AppError ? ctx.signal.reason : new AppError('TOOL_TIMEOUT'));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, expression: input.expression });
    }).finally(() => ctx.signal.removeEventListener('abort', onAbort));
    if (!reply.ok) throw new ToolError(`Cannot evaluate "${input.expression}": ${reply.error ?? 'unknown error'}`, 'TOOL_BAD_ARGUMENTS');
    const result = (reply.result ?? '').slice(0, MAX_RESULT);
    return { content: `${input.expression} = ${result}` };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./math/math-worker.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
      env: {},
    });
    worker.unref();
    worker.on('message', (msg: { id: number; ok: boolean; result?: string; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      p?.resolve(msg);
    });
    const fail = (error: string) => {
      for (const p of this.pending.values()) p.resolve({ ok: false, error });
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', () => fail('the evaluator stopped'));
    this.worker = worker;
    return worker;
  }

  /** Loads mathjs in the worker at boot (about a second), so the first call does not pay for it. */
  override async start(): Promise<void> {
    const worker = this.ensureWorker();
    await new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: () => resolve() });
      worker.postMessage({ id, expression: '1' });
    });
  }

  private killWorker(): void {
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
  }

  override async stop(): Promise<void> {
    this.killWorker();
  }
}
