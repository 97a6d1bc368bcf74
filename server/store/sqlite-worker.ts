import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from './sqlite-store.js';
import { isStoreMethod, toWireError, withBufferData, type FromWorker, type ToWorker, type WorkerOptions } from './sqlite-worker-protocol.js';

/**
 * The thread that owns the database (started by SqliteWorkerStore): one better-sqlite3 connection,
 * so one writer, and every synchronous statement runs here instead of on the chat's event loop.
 * Each call message is answered by one result message with the same id, in any order.
 */

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs only as a worker thread (see SqliteWorkerStore).');
const send = (message: FromWorker) => port.postMessage(message);
const { filename } = workerData as WorkerOptions;

let store: SqliteStore | undefined;
try {
  store = SqliteStore.open(filename);
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'open-failed', error: toWireError(err) });
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    void (store?.close() ?? Promise.resolve()).finally(() => send({ type: 'closed' }));
    return;
  }
  const { id, method, args } = message;
  void (async () => {
    try {
      if (!store) throw new Error('The store worker has no open database.');
      if (!isStoreMethod(method)) throw new Error(`The store worker does not know "${String(method)}".`);
      const call = store[method] as (...a: unknown[]) => Promise<unknown>;
      const value = await call.apply(store, method === 'saveAttachment' ? args.map(withBufferData) : args);
      send({ type: 'result', id, ok: true, value });
    } catch (err) {
      send({ type: 'result', id, ok: false, error: toWireError(err) });
    }
  })();
});
