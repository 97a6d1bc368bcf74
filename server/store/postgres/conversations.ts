import { AppError } from '../../errors.js';
import { decodeCursor, encodeCursor, isoTime } from '../sqlite-rows.js';
import type { ConversationPage, ConversationPatch, ConversationRecord, Feedback, NewConversation, SavedMessage, StoredMessage } from '../store.js';
import { inTransaction, type PgClient, type PgPool, type PgQueryable } from './connection.js';
import { CONVERSATION_COLUMNS, messageDetails, toConversation, toMessage, type PgConversationRow, type PgMessageRow } from './rows.js';
import { bodyVector, indexedText, MARKED_PARTIAL, partialBodyVector, titleVector } from './search.js';

/** Conversations, their messages and feedback. Owners are compared lower-cased, as everywhere. */

// Retention deletes in slices: each slice is one short transaction, never one long lock on thousands of rows.
const RETENTION_BATCH = 50;

export async function createConversation(db: PgQueryable, c: NewConversation): Promise<void> {
  const createdAt = isoTime(c.createdAt, 'createdAt');
  const owner = c.owner.toLowerCase();
  await db.query(
    `INSERT INTO conversations (id, owner, tenant, title, model, tools, data_sources, locked, created_at, updated_at, title_search)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $9, ${titleVector(10)})`,
    [c.id, owner, c.tenant, c.title, c.model, JSON.stringify(c.tools), JSON.stringify(c.dataSources), c.locked, createdAt, indexedText(owner, c.title)],
  );
}

export async function updateConversation(db: PgQueryable, id: string, owner: string, patch: ConversationPatch): Promise<boolean> {
  const owned = owner.toLowerCase();
  const values: unknown[] = [id, owned];
  const sets: string[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    values.push(value);
    sets.push(`${column} = $${values.length}${cast}`);
  };
  if (patch.title !== undefined) {
    set('title', patch.title);
    values.push(indexedText(owned, patch.title));
    sets.push(`title_search = ${titleVector(values.length)}`);
  }
  if (patch.model !== undefined) set('model', patch.model);
  if (patch.tenant !== undefined) set('tenant', patch.tenant);
  if (patch.tools !== undefined) set('tools', JSON.stringify(patch.tools), '::jsonb');
  if (patch.dataSources !== undefined) set('data_sources', JSON.stringify(patch.dataSources), '::jsonb');
  if (patch.locked !== undefined) set('locked', patch.locked);
  // An empty patch still answers whether the conversation exists for this owner.
  const sql = sets.length > 0
    ? `UPDATE conversations SET ${sets.join(', ')} WHERE id = $1 AND owner = $2`
    : 'SELECT 1 FROM conversations WHERE id = $1 AND owner = $2';
  const { rowCount } = await db.query(sql, values);
  return (rowCount ?? 0) > 0;
}

export async function getConversation(db: PgQueryable, id: string, owner: string): Promise<ConversationRecord | undefined> {
  const { rows } = await db.query<PgConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = $1 AND c.owner = $2`, [id, owner.toLowerCase()]);
  return rows[0] && toConversation(rows[0]);
}

/** Keyset paging on (updated_at, id), the index's order: stable while conversations change. */
export async function listConversations(db: PgQueryable, owner: string, limit: number, cursor?: string): Promise<ConversationPage> {
  const after = cursor ? decodeCursor(cursor) : undefined;
  const values: unknown[] = [owner.toLowerCase(), limit + 1];
  if (after) values.push(isoTime(after.updatedAt, 'cursor'), after.id);
  const { rows } = await db.query<PgConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = $1
     ${after ? 'AND (c.updated_at, c.id) < ($3::timestamptz, $4::text)' : ''}
     ORDER BY c.updated_at DESC, c.id DESC LIMIT $2`,
    values,
  );
  const items = rows.slice(0, limit).map(toConversation);
  const last = items.at(-1);
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.updatedAt, last.id) } : { items };
}

/** Messages and feedback go with it (ON DELETE CASCADE), search vectors live in those rows. */
export async function deleteConversation(db: PgQueryable, id: string, owner: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM conversations WHERE id = $1 AND owner = $2', [id, owner.toLowerCase()]);
  return (rowCount ?? 0) > 0;
}

export async function saveMessages(pool: PgPool, conversationId: string, messages: StoredMessage[], partial = false): Promise<void> {
  for (const m of messages) {
    if (m.conversationId !== conversationId) throw new AppError('BAD_REQUEST', `Message ${m.id} belongs to another conversation.`);
  }
  await inTransaction(pool, async (client) => {
    for (const m of messages) await saveMessage(client, m, partial);
  });
}

/**
 * Inserts or replaces by id; an existing message keeps its position and creation time. `partial`
 * (a streaming answer's interval save): the vector is written once, marked, and later partial saves
 * leave it (the SQLite rule, ../sqlite-messages.ts); the next full save or indexPartialAnswers() indexes the text.
 */
async function saveMessage(client: PgClient, m: StoredMessage, partial: boolean): Promise<void> {
  const createdAt = isoTime(m.createdAt, 'createdAt');
  // The row lock serialises writers of one conversation, so "next seq" is never handed out twice.
  const conv = (await client.query<{ pk: string; owner: string }>('SELECT pk, owner FROM conversations WHERE id = $1 FOR UPDATE', [m.conversationId])).rows[0];
  if (!conv) throw new AppError('NOT_FOUND', `No conversation ${m.conversationId}.`);
  // Tool output (tables, code results) is not searchable text; people search what was said.
  const searchable = m.role === 'tool' ? null : indexedText(conv.owner, m.text);
  const existing = (await client.query<{ pk: string; conversation_pk: string }>('SELECT pk, conversation_pk FROM messages WHERE id = $1', [m.id])).rows[0];
  if (existing) {
    if (existing.conversation_pk !== conv.pk) throw new AppError('BAD_REQUEST', `Message ${m.id} belongs to another conversation.`);
    // A marked vector is kept as it is; an unmarked one is replaced by a marked one, so a crash loses nothing.
    const vector = !partial ? bodyVector(3) : `CASE WHEN body_search IS NULL OR ${MARKED_PARTIAL} THEN body_search ELSE ${partialBodyVector(3)} END`;
    await client.query(`UPDATE messages SET text = $1, details = $2::jsonb, body_search = ${vector} WHERE pk = $4`, [m.text, messageDetails(m), searchable, existing.pk]);
    return;
  }
  await client.query(
    `INSERT INTO messages (id, conversation_pk, seq, role, text, created_at, details, body_search)
     VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_pk = $2)), $4, $5, $6, $7::jsonb, ${partial ? partialBodyVector(8) : bodyVector(8)})`,
    [m.id, conv.pk, m.seq ?? null, m.role, m.text, createdAt, messageDetails(m), searchable],
  );
  await client.query('UPDATE conversations SET updated_at = GREATEST(updated_at, $1) WHERE pk = $2', [createdAt, conv.pk]);
}

/**
 * Indexes the text of every message still marked partial: answers whose process stopped before their
 * final save. Runs when the store opens (another instance's answer still streaming is indexed as it
 * stands and unmarked; its final save indexes it again).
 */
export async function indexPartialAnswers(db: PgQueryable): Promise<number> {
  const { rows } = await db.query<{ pk: string; owner: string; text: string }>(
    `SELECT m.pk, c.owner, m.text FROM messages m JOIN conversations c ON c.pk = m.conversation_pk WHERE m.${MARKED_PARTIAL}`,
  );
  for (const row of rows) {
    await db.query(`UPDATE messages SET body_search = ${bodyVector(1)} WHERE pk = $2`, [indexedText(row.owner, row.text), row.pk]);
  }
  return rows.length;
}

export async function getMessages(db: PgQueryable, conversationId: string, owner: string): Promise<SavedMessage[]> {
  const { rows } = await db.query<PgMessageRow>(
    `SELECT m.id, c.id AS conversation_id, m.seq, m.role, m.text, m.created_at, m.details FROM messages m
     JOIN conversations c ON c.pk = m.conversation_pk WHERE c.id = $1 AND c.owner = $2 ORDER BY m.seq`,
    [conversationId, owner.toLowerCase()],
  );
  return rows.map(toMessage);
}

export async function saveFeedback(db: PgQueryable, f: Feedback): Promise<void> {
  const at = isoTime(f.at, 'at');
  const user = f.user.toLowerCase();
  const { rowCount } = await db.query(
    `INSERT INTO feedback (conversation_pk, message_id, user_email, rating, comment, at)
     SELECT pk, $3, $2, $4, $5, $6 FROM conversations WHERE id = $1 AND owner = $2`,
    [f.conversationId, user, f.messageId ?? null, f.rating ?? null, f.comment ?? null, at],
  );
  if (!rowCount) throw new AppError('NOT_FOUND');
}

export async function deleteConversationsOlderThan(db: PgQueryable, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    // SKIP LOCKED: two instances sweeping at once split the work instead of waiting on each other.
    const { rowCount } = await db.query(
      `DELETE FROM conversations WHERE pk IN (SELECT pk FROM conversations WHERE updated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff.toISOString(), RETENTION_BATCH],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < RETENTION_BATCH) return deleted;
  }
}
