import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type {
  AttachmentSaved, BudgetAmounts, BudgetLedgerState, BudgetRequest, BudgetReservation, ConversationPage, ConversationPatch, ConversationRecord, Feedback, Membership,
  NewConversation, SavedMessage, SearchHit, StoredAttachment, StoredMessage, UpsertOptions, Store, UsageEvent, UsageRow,
} from './store.js';
import { fromWireError, withBufferData, type FromWorker, type StoreMethod, type ToWorker, type WorkerOptions } from './sqlite-worker-protocol.js';

export interface SqliteWorkerStoreOptions {
  /** Told once, when the worker stops without being asked to: the operator must hear of it. */
  onCrash?: (err: AppError) => void;
  /** The worker script; the real one by default (tests give one that misbehaves on purpose). */
  workerUrl?: URL;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

// Running from TypeScript sources (tsx, vitest) the worker is the .ts file; from dist/, the compiled one.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const DEFAULT_WORKER = new URL(FROM_SOURCES ? './sqlite-worker.ts' : './sqlite-worker.js', import.meta.url);

/**
 * A worker for `url`. From TypeScript sources it boots through tsx's API: Node 20 does not apply the
 * parent's `--import tsx` hooks to worker threads, so a .ts entry would fail with "Unknown file extension".
 */
function startWorker(url: URL, options: WorkerOptions): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: options });
  // The ESM build of tsx/esm/api (its package "exports" target for `import`); require.resolve would give the CJS one.
  const tsxApi = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return new Worker(boot, { eval: true, workerData: options });
}

/**
 * The Store on a worker thread (design §13: better-sqlite3 blocks the loop it runs on). The worker
 * owns the one connection and runs SqliteStore; this side only posts each call and settles its
 * promise from the reply, so the chat's event loop pays for a structured clone, never for SQL,
 * fsync or a WAL checkpoint. Errors come back as the same AppError codes. If the worker dies, every
 * pending and later call rejects with STORE_UNAVAILABLE: nothing waits forever.
 */
export class SqliteWorkerStore implements Store {
  private readonly pending = new Map<number, Pending>();
  /** callSoon() calls not yet posted, in call order. */
  private readonly deferred: Array<Pending & { method: StoreMethod; args: unknown[] }> = [];
  private nextId = 1;
  /** Set once the worker is gone or going (crashed or closed); later calls reject with it. */
  private failure: AppError | undefined;
  private crash: AppError | undefined;
  /** close() asked the worker to stop: its exit is not a crash. */
  private exitExpected = false;
  private closing: Promise<void> | undefined;
  private closedReply: (() => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly onCrash: ((err: AppError) => void) | undefined,
  ) {
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (err) => this.crashed(`it threw ${err.message}`));
    // A reply that cannot be deserialized has lost its id: failing everything is the only way nobody hangs.
    worker.on('messageerror', (err) => {
      this.crashed(`a reply could not be read (${err.message})`);
      void worker.terminate();
    });
    worker.on('exit', (code) => this.crashed(`it exited with code ${code}`));
    // Idle, the worker must not keep the process alive; with calls in flight it must (see track()).
    worker.unref();
  }

  /** Starts the worker and waits until it has opened the database and applied migrations. */
  static async open(filename: string, options: SqliteWorkerStoreOptions = {}): Promise<SqliteWorkerStore> {
    const url = options.workerUrl ?? DEFAULT_WORKER;
    const worker = startWorker(url, { filename });
    await new Promise<void>((resolve, reject) => {
      const unavailable = (why: string) => new AppError('STORE_UNAVAILABLE', `The chat history database worker could not start (${filename}): ${why}.`);
      const onExit = (code: number) => reject(unavailable(`it exited with code ${code}`));
      const onError = (err: Error) => reject(unavailable(err.message));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.once('message', (message: FromWorker) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (message.type === 'ready') return resolve();
        void worker.terminate();
        reject(message.type === 'open-failed' ? fromWireError(message.error) : unavailable(`it sent ${message.type} first`));
      });
    });
    return new SqliteWorkerStore(worker, options.onCrash);
  }

  private call<T>(method: StoreMethod, args: unknown[]): Promise<T> {
    // Whatever was called "soon" before this call reaches the worker before it.
    this.postDeferred();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => this.post(method, args, { resolve: resolve as (value: unknown) => void, reject }));
  }

  /**
   * Like call(), but posted at the end of this turn of the event loop or just before the next call,
   * whichever comes first. Posting wakes the worker thread, and on busy cores that hop is what a
   * caller waits for at p99; a settled budget charge need not wait, but must still reach the database
   * before anything called after it (the call's usage row), and does: the worker runs calls in order.
   */
  private callSoon<T>(method: StoreMethod, args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.deferred.push({ method, args, resolve: resolve as (value: unknown) => void, reject });
      if (this.deferred.length === 1) setImmediate(() => this.postDeferred());
    });
  }

  private postDeferred(): void {
    if (this.deferred.length === 0) return;
    for (const d of this.deferred.splice(0)) {
      if (this.failure) d.reject(this.failure);
      else this.post(d.method, d.args, d);
    }
  }

  private post(method: StoreMethod, args: unknown[], pending: Pending): void {
    const id = this.nextId++;
    try {
      this.worker.postMessage({ type: 'call', id, method, args } satisfies ToWorker);
    } catch (err) {
      // DataCloneError: an argument (a function, a class with private state) cannot cross threads.
      pending.reject(new AppError('BAD_REQUEST', `Store.${method} got an argument that cannot be sent to the store worker: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.track(id, { resolve: pending.resolve, reject: pending.reject });
  }

  private track(id: number, pending: Pending): void {
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, pending);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'closed') return this.closedReply?.();
    if (message.type !== 'result') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.ok) pending.resolve(message.value);
    else pending.reject(fromWireError(message.error));
  }

  private crashed(why: string): void {
    if (this.crash || this.exitExpected) return;
    this.crash = new AppError('STORE_UNAVAILABLE', `The chat history database worker stopped: ${why}. Chat history is unavailable until the server restarts.`);
    this.failure = this.crash;
    this.failAll(this.crash);
    this.onCrash?.(this.crash);
  }

  private failAll(err: AppError): void {
    for (const d of this.deferred.splice(0)) d.reject(err);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(err);
  }

  /** Lets every call already made finish, closes the database in the worker, then ends the thread. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.postDeferred();
    const inFlight = [...this.pending.values()];
    // Later calls answer like a closed SqliteStore.
    this.failure ??= new AppError('STORE_UNAVAILABLE', 'The chat history database is closed.');
    if (!this.crash) {
      // Drain: the worker answers in-flight calls before it sees `close` (one port, in order),
      // but async ones (retention's slices) may still be running, so wait for their replies.
      await Promise.allSettled(
        inFlight.map((p) => new Promise<void>((done) => {
          const { resolve, reject } = p;
          p.resolve = (v) => (resolve(v), done());
          p.reject = (e) => (reject(e), done());
        })),
      );
    }
    // A crash while draining has already rejected what was in flight; there is nobody to ask.
    if (!this.crash) {
      this.exitExpected = true;
      this.worker.ref();
      await new Promise<void>((resolve) => {
        this.closedReply = resolve;
        this.worker.once('exit', () => resolve());
        this.worker.postMessage({ type: 'close' } satisfies ToWorker);
      });
    }
    await this.worker.terminate();
  }

  createConversation(c: NewConversation): Promise<void> {
    return this.call('createConversation', [c]);
  }
  updateConversation(id: string, owner: string, patch: ConversationPatch): Promise<boolean> {
    return this.call('updateConversation', [id, owner, patch]);
  }
  getConversation(id: string, owner: string): Promise<ConversationRecord | undefined> {
    return this.call('getConversation', [id, owner]);
  }
  listConversations(owner: string, opts: { limit: number; cursor?: string }): Promise<ConversationPage> {
    return this.call('listConversations', [owner, opts]);
  }
  searchConversations(owner: string, q: string, opts: { limit: number }): Promise<SearchHit[]> {
    return this.call('searchConversations', [owner, q, opts]);
  }
  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.call('deleteConversation', [id, owner]);
  }
  appendMessages(conversationId: string, messages: StoredMessage[]): Promise<void> {
    return this.call('appendMessages', [conversationId, messages]);
  }
  upsertMessage(m: StoredMessage, options?: UpsertOptions): Promise<void> {
    return this.call('upsertMessage', options === undefined ? [m] : [m, options]);
  }
  saveAttachment(a: StoredAttachment, quotaBytes?: number): Promise<AttachmentSaved> {
    return this.call('saveAttachment', quotaBytes === undefined ? [a] : [a, quotaBytes]);
  }

  async getAttachment(id: string, owner: string): Promise<StoredAttachment | undefined> {
    const found: StoredAttachment | undefined = await this.call('getAttachment', [id, owner]);
    return found && withBufferData(found);
  }

  attachmentBytesUsed(owner: string): Promise<number> {
    return this.call('attachmentBytesUsed', [owner]);
  }

  async getAttachments(conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]> {
    const found: StoredAttachment[] = await this.call('getAttachments', ids === undefined ? [conversationId, owner] : [conversationId, owner, [...ids]]);
    return found.map(withBufferData);
  }

  supersedeFrom(conversationId: string, owner: string, messageId: string): Promise<number> {
    return this.call('supersedeFrom', [conversationId, owner, messageId]);
  }

  getMessages(conversationId: string, owner: string): Promise<SavedMessage[]> {
    return this.call('getMessages', [conversationId, owner]);
  }
  saveFeedback(f: Feedback): Promise<void> {
    return this.call('saveFeedback', [f]);
  }
  recordUsage(u: UsageEvent): Promise<void> {
    return this.call('recordUsage', [u]);
  }
  usageFor(user: string, month: string): Promise<UsageRow[]> {
    return this.call('usageFor', [user, month]);
  }
  usageAll(month: string): Promise<UsageRow[]> {
    return this.call('usageAll', [month]);
  }
  reserveBudget(r: BudgetRequest): Promise<BudgetReservation> {
    return this.call('reserveBudget', [r]);
  }
  settleBudget(reservationId: string, actual: { promptTokens: number; completionTokens: number }, now: Date): Promise<BudgetAmounts | undefined> {
    return this.call('settleBudget', [reservationId, actual, now]);
  }
  budgetUsed(tenant: string, month: string, now: Date): Promise<BudgetAmounts> {
    return this.call('budgetUsed', [tenant, month, now]);
  }
  budgetLedgerState(tenant: string, month: string, now: Date): Promise<BudgetLedgerState> {
    return this.call('budgetLedgerState', [tenant, month, now]);
  }
  addBudgetSpent(tenant: string, month: string, amounts: BudgetAmounts): Promise<void> {
    return this.callSoon('addBudgetSpent', [tenant, month, amounts]);
  }
  queryMemberships(sql: string): Promise<Membership[]> {
    return this.call('queryMemberships', [sql]);
  }
  deleteConversationsOlderThan(cutoff: Date): Promise<number> {
    return this.call('deleteConversationsOlderThan', [cutoff]);
  }
}
