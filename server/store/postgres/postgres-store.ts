import { AppError } from '../../errors.js';
import type {
  AttachmentSaved, BudgetAmounts, BudgetLedgerState, BudgetRequest, BudgetReservation, ConversationPage, ConversationPatch, ConversationRecord, Feedback, Membership,
  NewConversation, SavedMessage, SearchHit, StoredAttachment, StoredMessage, Store, UpsertOptions, UsageEvent, UsageRow,
} from '../store.js';
import { attachmentBytesUsed, getAttachment, getAttachments, saveAttachment } from './attachments.js';
import { addBudgetSpent, budgetLedgerState, budgetUsed, reserveBudget, settleBudget } from './budget.js';
import { createPool, describeUrl, pgStoreError, validatePostgresUrl, type PgPool, type PoolSettings } from './connection.js';
import * as conversations from './conversations.js';
import { migrate } from './migrate.js';
import { POSTGRES_MIGRATIONS, type PgMigration } from './migrations/index.js';
import { searchConversations } from './search.js';
import { recordUsage, usageAll, usageFor } from './usage.js';
import { queryMemberships, supersedeFrom } from './versions.js';

const MAX_PAGE = 100;
const pageSize = (limit: number) => Math.min(Math.max(1, Math.floor(limit)), MAX_PAGE);

export interface PostgresStoreOptions extends PoolSettings {
  migrations?: readonly PgMigration[];
}

/**
 * The Store on PostgreSQL through a pg Pool: several Galaxy instances can share one database. Each
 * method is one statement or one short transaction on a pooled connection.
 */
export class PostgresStore implements Store {
  private closed = false;

  private constructor(
    private readonly pool: PgPool,
    /** Migration versions this instance applied at boot (empty when another instance had done it). */
    readonly appliedMigrations: readonly number[],
  ) {}

  /**
   * Connects, applies pending migrations under the advisory lock, and returns the store. A server that
   * cannot be reached or refuses us fails here with STORE_UNAVAILABLE naming it (without password).
   */
  static async open(url: string, options: PostgresStoreOptions): Promise<PostgresStore> {
    validatePostgresUrl(url);
    const pool = createPool(url, options);
    try {
      const applied = await migrate(pool, options.migrations ?? POSTGRES_MIGRATIONS);
      // Answers a crash left mid-stream get their saved text indexed (only final saves index otherwise).
      await conversations.indexPartialAnswers(pool);
      return new PostgresStore(pool, applied);
    } catch (err) {
      await pool.end().catch(() => undefined);
      const mapped = pgStoreError(err, describeUrl(url));
      if (mapped instanceof AppError) throw mapped;
      const reason = err instanceof Error ? err.message : String(err);
      throw new AppError('STORE_UNAVAILABLE', `The chat history database could not be opened (${describeUrl(url)}): ${reason}`, { cause: err });
    }
  }

  /** Runs one unit of work, turning driver failures into STORE_UNAVAILABLE or BAD_REQUEST. */
  private async run<T>(work: (pool: PgPool) => Promise<T>): Promise<T> {
    if (this.closed) throw new AppError('STORE_UNAVAILABLE', 'The chat history database is closed.');
    try {
      return await work(this.pool);
    } catch (err) {
      throw pgStoreError(err);
    }
  }

  createConversation(c: NewConversation): Promise<void> {
    return this.run((db) => conversations.createConversation(db, c));
  }

  updateConversation(id: string, owner: string, patch: ConversationPatch): Promise<boolean> {
    return this.run((db) => conversations.updateConversation(db, id, owner, patch));
  }

  supersedeFrom(conversationId: string, owner: string, messageId: string): Promise<number> {
    return this.run((db) => supersedeFrom(db, conversationId, owner, messageId));
  }

  saveAttachment(a: StoredAttachment, quotaBytes?: number): Promise<AttachmentSaved> {
    return this.run((pool) => saveAttachment(pool, a, quotaBytes));
  }

  getAttachment(id: string, owner: string): Promise<StoredAttachment | undefined> {
    return this.run((db) => getAttachment(db, id, owner));
  }

  attachmentBytesUsed(owner: string): Promise<number> {
    return this.run((db) => attachmentBytesUsed(db, owner));
  }

  getAttachments(conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]> {
    return this.run((db) => getAttachments(db, conversationId, owner, ids));
  }

  queryMemberships(sql: string): Promise<Membership[]> {
    return this.run((pool) => queryMemberships(pool, sql));
  }

  getConversation(id: string, owner: string): Promise<ConversationRecord | undefined> {
    return this.run((db) => conversations.getConversation(db, id, owner));
  }

  listConversations(owner: string, opts: { limit: number; cursor?: string }): Promise<ConversationPage> {
    return this.run((db) => conversations.listConversations(db, owner, pageSize(opts.limit), opts.cursor));
  }

  searchConversations(owner: string, q: string, opts: { limit: number }): Promise<SearchHit[]> {
    return this.run((db) => searchConversations(db, owner, q, pageSize(opts.limit)));
  }

  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.run((db) => conversations.deleteConversation(db, id, owner));
  }

  appendMessages(conversationId: string, messages: StoredMessage[]): Promise<void> {
    return this.run((db) => conversations.saveMessages(db, conversationId, messages));
  }

  upsertMessage(m: StoredMessage, options?: UpsertOptions): Promise<void> {
    return this.run((db) => conversations.saveMessages(db, m.conversationId, [m], options?.partial));
  }

  getMessages(conversationId: string, owner: string): Promise<SavedMessage[]> {
    return this.run((db) => conversations.getMessages(db, conversationId, owner));
  }

  saveFeedback(f: Feedback): Promise<void> {
    return this.run((db) => conversations.saveFeedback(db, f));
  }

  recordUsage(u: UsageEvent): Promise<void> {
    return this.run((db) => recordUsage(db, u));
  }

  usageFor(user: string, month: string): Promise<UsageRow[]> {
    return this.run((db) => usageFor(db, user, month));
  }

  usageAll(month: string): Promise<UsageRow[]> {
    return this.run((db) => usageAll(db, month));
  }

  reserveBudget(r: BudgetRequest): Promise<BudgetReservation> {
    return this.run((db) => reserveBudget(db, r));
  }

  settleBudget(reservationId: string, actual: { promptTokens: number; completionTokens: number }, now: Date): Promise<BudgetAmounts | undefined> {
    return this.run((db) => settleBudget(db, reservationId, actual, now.getTime()));
  }

  budgetUsed(tenant: string, month: string, now: Date): Promise<BudgetAmounts> {
    return this.run((db) => budgetUsed(db, tenant, month, now.getTime()));
  }

  budgetLedgerState(tenant: string, month: string, now: Date): Promise<BudgetLedgerState> {
    return this.run((db) => budgetLedgerState(db, tenant, month, now.getTime()));
  }

  addBudgetSpent(tenant: string, month: string, amounts: BudgetAmounts): Promise<void> {
    return this.run((db) => addBudgetSpent(db, tenant, month, amounts));
  }

  deleteConversationsOlderThan(cutoff: Date): Promise<number> {
    return this.run((db) => conversations.deleteConversationsOlderThan(db, cutoff));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
