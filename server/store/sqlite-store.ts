import { AppError } from '../errors.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite/index.js';
import { addBudgetSpent, budgetLedgerState, budgetUsed, reserveBudget, settleBudget } from './sqlite-budget.js';
import { openSqlite, prepared, storeError, type SqliteDb } from './sqlite-connection.js';
import {
  CONVERSATION_COLUMNS, decodeCursor, encodeCursor, isoTime, toConversation, toMessage, type ConversationRow, type MessageRow,
} from './sqlite-rows.js';
import { indexPartialAnswers, saveMessage } from './sqlite-messages.js';
import { indexDocument, searchConversations, unindexConversation } from './sqlite-search.js';
import { attachmentBytesUsed, getAttachment, getAttachments, saveAttachment } from './sqlite-attachments.js';
import { membershipRows } from './memberships.js';
import type {
  AttachmentSaved, BudgetAmounts, BudgetLedgerState, BudgetRequest, BudgetReservation, ConversationPage, ConversationPatch, ConversationRecord, Feedback, Membership,
  NewConversation, SavedMessage, SearchHit, StoredAttachment, StoredMessage, Store, UpsertOptions, UsageEvent, UsageRow,
} from './store.js';
import { monthOf } from './store.js';

const MAX_PAGE = 100;
// Retention deletes in slices so one sweep never holds the event loop (and the write lock) for long.
const RETENTION_BATCH = 50;

const USAGE_SELECT = `SELECT user, tenant, model, month, COUNT(*) AS requests, SUM(prompt_tokens) AS promptTokens,
  SUM(completion_tokens) AS completionTokens, SUM(estimated) AS estimatedCalls FROM usage_ledger`;
const USAGE_GROUP = 'GROUP BY user, tenant, model, month ORDER BY user, tenant, model';

/**
 * The Store on better-sqlite3: synchronous underneath, one short transaction per batch (never per
 * token). The server runs it in a worker thread (SqliteWorkerStore); scripts and tests use it directly.
 */
export class SqliteStore implements Store {
  private constructor(private readonly db: SqliteDb) {}

  /**
   * `filename` is a path or ':memory:'; migrations are applied before it returns, and answers a
   * crash left mid-stream have their saved text indexed (only the final save indexes otherwise).
   */
  static open(filename: string, migrations = SQLITE_MIGRATIONS): SqliteStore {
    const db = openSqlite(filename, migrations);
    try {
      indexPartialAnswers(db);
    } catch (err) {
      db.close();
      throw storeError(err, filename);
    }
    return new SqliteStore(db);
  }

  /** Runs one unit of work, turning driver failures into STORE_UNAVAILABLE. */
  private async run<T>(work: () => T): Promise<T> {
    if (!this.db.open) throw new AppError('STORE_UNAVAILABLE', 'The chat history database is closed.');
    try {
      return work();
    } catch (err) {
      throw storeError(err);
    }
  }

  private conversationPk(id: string, owner: string): number | undefined {
    const row = prepared(this.db, 'SELECT pk FROM conversations WHERE id = ? AND owner = ?').get(id, owner.toLowerCase()) as { pk: number } | undefined;
    return row?.pk;
  }

  createConversation(c: NewConversation): Promise<void> {
    return this.run(() => {
      const createdAt = isoTime(c.createdAt, 'createdAt');
      const owner = c.owner.toLowerCase();
      this.db.transaction(() => {
        const { lastInsertRowid } = prepared(this.db, 
            `INSERT INTO conversations (id, owner, tenant, title, model, tools, data_sources, locked, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(c.id, owner, c.tenant, c.title, c.model, JSON.stringify(c.tools), JSON.stringify(c.dataSources), c.locked ? 1 : 0, createdAt, createdAt);
        const pk = Number(lastInsertRowid);
        // A chat starts untitled (its title comes with the first message): an empty title has no words to find.
        if (c.title !== '') indexDocument(this.db, -pk, pk, owner, 'title', c.title, false);
      }).immediate();
    });
  }

  updateConversation(id: string, owner: string, patch: ConversationPatch): Promise<boolean> {
    return this.run(() =>
      this.db.transaction(() => {
        const pk = this.conversationPk(id, owner);
        if (pk === undefined) return false;
        const columns: Record<string, string | number> = {};
        if (patch.title !== undefined) columns.title = patch.title;
        if (patch.model !== undefined) columns.model = patch.model;
        if (patch.tenant !== undefined) columns.tenant = patch.tenant;
        if (patch.tools !== undefined) columns.tools = JSON.stringify(patch.tools);
        if (patch.dataSources !== undefined) columns.data_sources = JSON.stringify(patch.dataSources);
        if (patch.locked !== undefined) columns.locked = patch.locked ? 1 : 0;
        const names = Object.keys(columns);
        if (names.length > 0) {
          prepared(this.db, `UPDATE conversations SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE pk = @pk`).run({ ...columns, pk });
        }
        if (patch.title !== undefined) indexDocument(this.db, -pk, pk, owner, 'title', patch.title, true);
        return true;
      }).immediate(),
    );
  }

  getConversation(id: string, owner: string): Promise<ConversationRecord | undefined> {
    return this.run(() => {
      const row = prepared(this.db, `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ? AND c.owner = ?`).get(id, owner.toLowerCase()) as
        | ConversationRow
        | undefined;
      return row && toConversation(row);
    });
  }

  listConversations(owner: string, opts: { limit: number; cursor?: string }): Promise<ConversationPage> {
    return this.run(() => {
      const limit = Math.min(Math.max(1, Math.floor(opts.limit)), MAX_PAGE);
      const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
      // Keyset paging on (updated_at, id), the index's order: stable while conversations change.
      const rows = prepared(this.db, 
          `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = @owner
           ${after ? 'AND (c.updated_at < @updatedAt OR (c.updated_at = @updatedAt AND c.id < @id))' : ''}
           ORDER BY c.updated_at DESC, c.id DESC LIMIT @take`,
        )
        .all({ owner: owner.toLowerCase(), take: limit + 1, ...(after ?? {}) }) as ConversationRow[];
      const items = rows.slice(0, limit).map(toConversation);
      const last = items.at(-1);
      return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.updatedAt, last.id) } : { items };
    });
  }

  searchConversations(owner: string, q: string, opts: { limit: number }): Promise<SearchHit[]> {
    return this.run(() => searchConversations(this.db, owner, q, Math.min(Math.max(1, Math.floor(opts.limit)), MAX_PAGE)));
  }

  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.run(() =>
      this.db.transaction(() => {
        const pk = this.conversationPk(id, owner);
        if (pk === undefined) return false;
        this.deleteByPk(pk);
        return true;
      }).immediate(),
    );
  }

  private deleteByPk(pk: number): void {
    unindexConversation(this.db, pk);
    // Messages, feedback and attachments go with it (ON DELETE CASCADE).
    prepared(this.db, 'DELETE FROM conversations WHERE pk = ?').run(pk);
  }

  appendMessages(conversationId: string, messages: StoredMessage[]): Promise<void> {
    return this.run(() => {
      for (const m of messages) {
        if (m.conversationId !== conversationId) throw new AppError('BAD_REQUEST', `Message ${m.id} belongs to another conversation.`);
      }
      this.db.transaction(() => {
        for (const m of messages) saveMessage(this.db, m);
      }).immediate();
    });
  }

  upsertMessage(m: StoredMessage, options?: UpsertOptions): Promise<void> {
    return this.run(() => this.db.transaction(() => saveMessage(this.db, m, options?.partial)).immediate());
  }

  supersedeFrom(conversationId: string, owner: string, messageId: string): Promise<number> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const from = prepared(this.db, 
            `SELECT m.conversation_pk AS pk, m.seq FROM messages m JOIN conversations c ON c.pk = m.conversation_pk
             WHERE c.id = ? AND c.owner = ? AND m.id = ?`,
          ).get(conversationId, owner.toLowerCase(), messageId) as { pk: number; seq: number } | undefined;
          if (!from) return 0;
          return prepared(this.db, `UPDATE messages SET details = json_set(details, '$.superseded', json('true')) WHERE conversation_pk = ? AND seq >= ?`).run(from.pk, from.seq).changes;
        })
        .immediate(),
    );
  }

  getMessages(conversationId: string, owner: string): Promise<SavedMessage[]> {
    return this.run(() => {
      const rows = prepared(this.db, 
          `SELECT m.id, c.id AS conversation_id, m.seq, m.role, m.text, m.created_at, m.details FROM messages m
           JOIN conversations c ON c.pk = m.conversation_pk WHERE c.id = ? AND c.owner = ? ORDER BY m.seq`,
        )
        .all(conversationId, owner.toLowerCase()) as MessageRow[];
      return rows.map(toMessage);
    });
  }

  saveFeedback(f: Feedback): Promise<void> {
    return this.run(() => {
      const pk = this.conversationPk(f.conversationId, f.user);
      if (pk === undefined) throw new AppError('NOT_FOUND');
      prepared(this.db, 'INSERT INTO feedback (conversation_pk, message_id, user, rating, comment, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(pk, f.messageId ?? null, f.user.toLowerCase(), f.rating ?? null, f.comment ?? null, isoTime(f.at, 'at'));
    });
  }

  recordUsage(u: UsageEvent): Promise<void> {
    return this.run(() => {
      prepared(this.db, 
          `INSERT INTO usage_ledger (user, tenant, model, month, at, prompt_tokens, completion_tokens, estimated, conversation_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(u.user.toLowerCase(), u.tenant, u.model, monthOf(u.at), u.at.toISOString(), u.promptTokens, u.completionTokens, u.estimated ? 1 : 0, u.conversationId ?? null);
    });
  }

  usageFor(user: string, month: string): Promise<UsageRow[]> {
    return this.run(() => prepared(this.db, `${USAGE_SELECT} WHERE month = ? AND user = ? ${USAGE_GROUP}`).all(month, user.toLowerCase()) as UsageRow[]);
  }

  usageAll(month: string): Promise<UsageRow[]> {
    return this.run(() => prepared(this.db, `${USAGE_SELECT} WHERE month = ? ${USAGE_GROUP}`).all(month) as UsageRow[]);
  }

  reserveBudget(r: BudgetRequest): Promise<BudgetReservation> {
    return this.run(() => reserveBudget(this.db, r));
  }

  settleBudget(reservationId: string, actual: { promptTokens: number; completionTokens: number }, now: Date): Promise<BudgetAmounts | undefined> {
    return this.run(() => settleBudget(this.db, reservationId, actual, now.getTime()));
  }

  budgetUsed(tenant: string, month: string, now: Date): Promise<BudgetAmounts> {
    return this.run(() => budgetUsed(this.db, tenant, month, now.getTime()));
  }

  budgetLedgerState(tenant: string, month: string, now: Date): Promise<BudgetLedgerState> {
    return this.run(() => budgetLedgerState(this.db, tenant, month, now.getTime()));
  }

  addBudgetSpent(tenant: string, month: string, amounts: BudgetAmounts): Promise<void> {
    return this.run(() => addBudgetSpent(this.db, tenant, month, amounts));
  }

  saveAttachment(a: StoredAttachment, quotaBytes?: number): Promise<AttachmentSaved> {
    return this.run(() => saveAttachment(this.db, a, quotaBytes));
  }

  getAttachment(id: string, owner: string): Promise<StoredAttachment | undefined> {
    return this.run(() => getAttachment(this.db, id, owner));
  }

  attachmentBytesUsed(owner: string): Promise<number> {
    return this.run(() => attachmentBytesUsed(this.db, owner));
  }

  getAttachments(conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]> {
    return this.run(() => getAttachments(this.db, conversationId, owner, ids));
  }

  async queryMemberships(sql: string): Promise<Membership[]> {
    return this.run(() => {
      const statement = this.db.prepare(sql);
      // An operator's query, but still never a write: the membership option only reads.
      if (!statement.reader || !statement.readonly) throw new AppError('BAD_REQUEST', 'TENANT_MEMBERS_QUERY must be a read-only SELECT returning email and tenant.');
      return membershipRows(statement.all());
    });
  }

  async deleteConversationsOlderThan(cutoff: Date): Promise<number> {
    const before = cutoff.toISOString();
    let deleted = 0;
    for (;;) {
      const slice = await this.run(() =>
        this.db.transaction(() => {
          const pks = (prepared(this.db, 'SELECT pk FROM conversations WHERE updated_at < ? LIMIT ?').all(before, RETENTION_BATCH) as { pk: number }[]).map((r) => r.pk);
          for (const pk of pks) this.deleteByPk(pk);
          return pks.length;
        }).immediate(),
      );
      deleted += slice;
      if (slice < RETENTION_BATCH) return deleted;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** For scripts/backup.ts: an online copy that is safe while the server writes. */
  async backup(destination: string): Promise<void> {
    await this.run(() => undefined);
    await this.db.backup(destination);
  }
}
