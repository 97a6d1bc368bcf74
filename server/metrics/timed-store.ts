import type { Store } from '../store/store.js';
import type { Metrics } from './metrics.js';

/**
 * Store write latency (galaxy_store_write_duration_seconds). The seam is a decorator around the
 * Store rather than timing in StoreSink, for two reasons: the chat is not the only writer (budget
 * reservations and settlements, retention deletes and the usage ledger go to the store from other
 * modules), and StoreSink chains its writes, so timing there would add the queue wait behind
 * earlier writes to each write's own cost. Here every write of every caller is timed exactly, and
 * the PostgreSQL implementation gets the same metric for free. Reads are not timed.
 */

type WriteOperation =
  | 'createConversation'
  | 'updateConversation'
  | 'deleteConversation'
  | 'appendMessages'
  | 'upsertMessage'
  | 'supersedeFrom'
  | 'saveAttachment'
  | 'saveFeedback'
  | 'recordUsage'
  | 'reserveBudget'
  | 'settleBudget'
  | 'addBudgetSpent'
  | 'deleteConversationsOlderThan';

export function timedStore(store: Store, metrics: Pick<Metrics, 'storeWrite'>, now: () => number = () => performance.now()): Store {
  const timed =
    <A extends unknown[], R>(operation: WriteOperation, write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = now();
      let ok = false;
      try {
        const result = await write(...args);
        ok = true;
        return result;
      } finally {
        metrics.storeWrite(operation, ok, now() - started);
      }
    };
  // Every method is listed, so a method added to Store fails the typecheck here until it is decided.
  return {
    createConversation: timed('createConversation', (c) => store.createConversation(c)),
    updateConversation: timed('updateConversation', (id, owner, patch) => store.updateConversation(id, owner, patch)),
    deleteConversation: timed('deleteConversation', (id, owner) => store.deleteConversation(id, owner)),
    appendMessages: timed('appendMessages', (id, messages) => store.appendMessages(id, messages)),
    upsertMessage: timed('upsertMessage', (m, options) => store.upsertMessage(m, options)),
    supersedeFrom: timed('supersedeFrom', (id, owner, messageId) => store.supersedeFrom(id, owner, messageId)),
    saveFeedback: timed('saveFeedback', (f) => store.saveFeedback(f)),
    saveAttachment: timed('saveAttachment', (a, quotaBytes) => store.saveAttachment(a, quotaBytes)),
    recordUsage: timed('recordUsage', (u) => store.recordUsage(u)),
    reserveBudget: timed('reserveBudget', (r) => store.reserveBudget(r)),
    settleBudget: timed('settleBudget', (id, actual, at) => store.settleBudget(id, actual, at)),
    addBudgetSpent: timed('addBudgetSpent', (tenant, month, amounts) => store.addBudgetSpent(tenant, month, amounts)),
    deleteConversationsOlderThan: timed('deleteConversationsOlderThan', (cutoff) => store.deleteConversationsOlderThan(cutoff)),
    getConversation: (id, owner) => store.getConversation(id, owner),
    listConversations: (owner, opts) => store.listConversations(owner, opts),
    searchConversations: (owner, q, opts) => store.searchConversations(owner, q, opts),
    getMessages: (id, owner) => store.getMessages(id, owner),
    getAttachments: (id, owner, ids) => store.getAttachments(id, owner, ids),
    getAttachment: (id, owner) => store.getAttachment(id, owner),
    attachmentBytesUsed: (owner) => store.attachmentBytesUsed(owner),
    usageFor: (user, month) => store.usageFor(user, month),
    usageAll: (month) => store.usageAll(month),
    budgetUsed: (tenant, month, at) => store.budgetUsed(tenant, month, at),
    budgetLedgerState: (tenant, month, at) => store.budgetLedgerState(tenant, month, at),
    queryMemberships: (sql) => store.queryMemberships(sql),
    close: () => store.close(),
  };
}
