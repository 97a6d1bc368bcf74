import { fork, type ChildProcess } from 'node:child_process';
import { treeRssBytes } from '../process-tree.js';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';
import { ToolError } from '../tool.js';

/**
 * Runs gated queries in short-lived child processes (see sql-worker.mjs for why not a worker
 * thread) and kills them with SIGKILL at the wall-clock limit or when the caller's signal aborts,
 * so a runaway query never outlives its tool call. A small cap on concurrent processes keeps many
 * heavy queries at once from exhausting the machine; callers beyond it wait (within their own time).
 */

export type SqlCell = string | number | null;

export interface SqlJob {
  file: string;
  sql: string;
  maxRows: number;
  maxBytes: number;
  maxCellChars: number;
}

export type SqlReply =
  | { ok: true; columns: string[]; rows: SqlCell[][]; truncated: boolean; cellsCut: boolean }
  | { ok: false; kind: 'rejected' | 'sql'; message: string };

export interface SqlRunnerOptions {
  timeoutMs: number;
  maxConcurrent: number;
  /** Resident memory cap of one query process. */
  memoryMb: number;
}

const MEMORY_CHECK_MS = 50;

// A .mjs beside this file: found from server/ under vitest/tsx and from dist/server/ after tsc.
const WORKER_PATH = fileURLToPath(new URL('./sql-worker.mjs', import.meta.url));
/** Bounds the child's JS heap (rows are capped long before this); SQLite's own memory is bounded by the watchdog. */
const WORKER_EXEC_ARGV = ['--max-old-space-size=256'];

export class SqlRunner {
  private readonly children = new Set<ChildProcess>();
  private readonly waiting: (() => void)[] = [];
  /** Slots handed out whose child has not been forked yet. */
  private reserved = 0;

  constructor(private readonly options: SqlRunnerOptions) {}

  /** Query processes alive right now (for readiness and tests). */
  get running(): number {
    return this.children.size;
  }

  async run(job: SqlJob, signal: AbortSignal): Promise<SqlReply> {
    await this.acquireSlot(signal);
    // The signal may have fired while the slot was being handed over; its event will not fire again.
    if (signal.aborted) {
      this.reserved--;
      this.releaseSlot();
      throw abortError(signal);
    }
    return this.runInChild(job, signal);
  }

  /** Kills every running query; used on shutdown. */
  stopAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }

  private acquireSlot(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.children.size + this.reserved < this.options.maxConcurrent) {
      this.reserved++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        this.reserved++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
  }

  private runInChild(job: SqlJob, signal: AbortSignal): Promise<SqlReply> {
    return new Promise<SqlReply>((resolve, reject) => {
      let child: ChildProcess;
      try {
        // An empty environment: the query process has no business seeing the server's secrets.
        child = fork(WORKER_PATH, [], {
          execArgv: WORKER_EXEC_ARGV,
          env: {},
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
          serialization: 'json',
        });
      } catch {
        this.reserved--;
        this.releaseSlot();
        reject(new ToolError('The query could not be started.'));
        return;
      }
      this.reserved--;
      this.children.add(child);

      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const kill = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        kill();
        settle(() =>
          reject(new ToolError(
            `The query was stopped after ${this.options.timeoutMs} ms. Filter or aggregate more, or add a LIMIT.`,
            'TOOL_TIMEOUT',
          )),
        );
      }, this.options.timeoutMs);
      const onAbort = () => {
        kill();
        settle(() => reject(abortError(signal)));
      };
      // SQLite's memory is native, outside any JS heap cap: watch the process and kill it over the cap.
      const watchdog = setInterval(() => {
        if (child.pid !== undefined && treeRssBytes(child.pid) > this.options.memoryMb * 1024 * 1024) {
          kill();
          settle(() => reject(new ToolError(`The query used more than ${this.options.memoryMb} MB of memory and was stopped.`)));
        }
      }, MEMORY_CHECK_MS);
      watchdog.unref();
      signal.addEventListener('abort', onAbort, { once: true });

      child.once('message', (reply) => settle(() => resolve(reply as SqlReply)));
      child.once('error', () => {
        kill();
        settle(() => reject(new ToolError('The query process failed.')));
      });
      // 'close', not 'exit': it waits for the IPC channel too, so a reply sent just before the
      // child exits is always delivered first.
      child.once('close', () => {
        this.children.delete(child);
        this.releaseSlot();
        settle(() => reject(new ToolError('The query process ended without an answer (it may have run out of memory).')));
      });
      child.send(job, (err) => {
        if (err) {
          kill();
          settle(() => reject(new ToolError('The query could not be started.')));
        }
      });
    });
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof AppError ? reason : new ToolError('The query was stopped.');
}
