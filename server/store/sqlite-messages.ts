import { AppError } from '../errors.js';
import { prepared, type SqliteDb } from './sqlite-connection.js';
import { isoTime, messageDetails } from './sqlite-rows.js';
import { indexDocument, isMarkedPartial, PARTIAL_QUERY } from './sqlite-search.js';
import type { StoredMessage } from './store.js';

interface Target {
  conversationPk: number;
  owner: string;
  messagePk: number | null;
  messageConversationPk: number | null;
}

/**
 * Inserts or replaces one message by id; an existing message keeps its position and creation time.
 * `partial`: the text is still growing (a streaming answer's interval save). Its index row is then
 * written once, marked partial, and later partial saves leave the index alone: re-indexing a growing
 * answer at every interval save was a sixth of the store's CPU per answer (bench/answer-writes.ts). The next
 * non-partial save indexes the final text; indexPartialAnswers() catches what a crash left marked.
 */
export function saveMessage(db: SqliteDb, m: StoredMessage, partial = false): void {
  // One lookup for the conversation and the message, instead of one each.
  const target = prepared(
    db,
    `SELECT c.pk AS conversationPk, c.owner, m.pk AS messagePk, m.conversation_pk AS messageConversationPk
     FROM conversations c LEFT JOIN messages m ON m.id = @message WHERE c.id = @conversation`,
  ).get({ conversation: m.conversationId, message: m.id }) as Target | undefined;
  if (!target) throw new AppError('NOT_FOUND', `No conversation ${m.conversationId}.`);
  const createdAt = isoTime(m.createdAt, 'createdAt');
  // Tool output (tables, code results) is not searchable text; people search what was said.
  const searchable = m.role !== 'tool';
  if (target.messagePk !== null) {
    if (target.messageConversationPk !== target.conversationPk) throw new AppError('BAD_REQUEST', `Message ${m.id} belongs to another conversation.`);
    prepared(db, 'UPDATE messages SET text = ?, details = ? WHERE pk = ?').run(m.text, messageDetails(m), target.messagePk);
    // A partial save over a row indexed unmarked indexes once more, marked, so a crash after it loses nothing.
    if (searchable && !(partial && isMarkedPartial(db, target.messagePk))) {
      indexDocument(db, target.messagePk, target.conversationPk, target.owner, 'body', m.text, true, partial);
    }
    return;
  }
  const seq =
    m.seq ?? (prepared(db, 'SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM messages WHERE conversation_pk = ?').get(target.conversationPk) as { next: number }).next;
  const { lastInsertRowid } = prepared(db, 'INSERT INTO messages (id, conversation_pk, seq, role, text, created_at, details) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(m.id, target.conversationPk, seq, m.role, m.text, createdAt, messageDetails(m));
  const pk = Number(lastInsertRowid);
  // Only when it moves: an unchanged row is not rewritten (nor its two updated_at index entries).
  prepared(db, 'UPDATE conversations SET updated_at = ? WHERE pk = ? AND updated_at < ?').run(createdAt, target.conversationPk, createdAt);
  if (searchable) indexDocument(db, pk, target.conversationPk, target.owner, 'body', m.text, false, partial);
}

/**
 * Indexes the text of every message still marked partial: answers whose process stopped (kill -9,
 * power loss) between two interval saves, before their final save. Runs when the store opens, so
 * a crashed answer's words are found by search again; the rows stay as they are (incomplete).
 */
export function indexPartialAnswers(db: SqliteDb): number {
  // Opened with fewer migrations (an upgrade test, bench/answer-writes.ts's plain table): nothing to repair.
  if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'search_index' AND sql LIKE '%fts5%'`).get()) return 0;
  const rows = prepared(
    db,
    `SELECT m.pk, m.conversation_pk AS cpk, c.owner, m.text FROM messages m JOIN conversations c ON c.pk = m.conversation_pk
     WHERE m.pk IN (SELECT rowid FROM search_index WHERE search_index MATCH @marked)`,
  ).all({ marked: PARTIAL_QUERY }) as { pk: number; cpk: number; owner: string; text: string }[];
  db.transaction(() => {
    for (const row of rows) indexDocument(db, row.pk, row.cpk, row.owner, 'body', row.text, true, false);
  }).immediate();
  return rows.length;
}
