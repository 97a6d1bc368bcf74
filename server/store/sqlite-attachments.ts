import { AppError } from '../errors.js';
import { prepared, type SqliteDb } from './sqlite-connection.js';
import { isoTime } from './sqlite-rows.js';
import type { AttachmentKind, AttachmentSaved, StoredAttachment } from './store.js';

interface AttachmentRow {
  id: string;
  conversation_id: string;
  owner: string;
  name: string;
  mime: string;
  kind: AttachmentKind;
  size: number;
  text: string | null;
  data: Buffer;
  created_at: string;
}

// One statement joins the conversation, so ownership is checked where the rows are read.
const SELECT_COLUMNS = `SELECT a.id, c.id AS conversation_id, a.owner, a.name, a.mime, a.kind, a.size, a.text, a.data, a.created_at
  FROM attachments a JOIN conversations c ON c.pk = a.conversation_pk`;
const SELECT = `${SELECT_COLUMNS} WHERE c.id = ? AND c.owner = ? AND a.owner = c.owner`;

/**
 * Inserts the file, checking the owner's quota first in the same IMMEDIATE transaction: it takes the
 * write lock before the sum is read, so no other writer (another thread or process on this file) can
 * add a file between the check and the insert.
 */
export function saveAttachment(db: SqliteDb, a: StoredAttachment, quotaBytes?: number): AttachmentSaved {
  const owner = a.owner.toLowerCase();
  return db.transaction((): AttachmentSaved => {
    const conv = prepared(db, 'SELECT pk FROM conversations WHERE id = ? AND owner = ?').get(a.conversationId, owner) as { pk: number } | undefined;
    if (!conv) throw new AppError('NOT_FOUND');
    const used = attachmentBytesUsed(db, owner);
    if (quotaBytes !== undefined && used + a.size > quotaBytes) return { ok: false, usedBytes: used };
    prepared(db, 'INSERT INTO attachments (id, conversation_pk, owner, name, mime, kind, size, text, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.id, conv.pk, owner, a.name, a.mime, a.kind, a.size, a.text ?? null, a.data, isoTime(a.createdAt, 'createdAt'));
    return { ok: true, usedBytes: used + a.size };
  }).immediate();
}

/** Read from the (owner, size) index alone: the files' bytes are never touched. */
export function attachmentBytesUsed(db: SqliteDb, owner: string): number {
  const row = prepared(db, 'SELECT COALESCE(SUM(size), 0) AS used FROM attachments WHERE owner = ?').get(owner.toLowerCase()) as { used: number };
  return row.used;
}

export function getAttachment(db: SqliteDb, id: string, owner: string): StoredAttachment | undefined {
  const row = prepared(db, `${SELECT_COLUMNS} WHERE a.id = ? AND a.owner = ? AND c.owner = a.owner`).get(id, owner.toLowerCase()) as AttachmentRow | undefined;
  return row && toAttachment(row);
}

export function getAttachments(db: SqliteDb, conversationId: string, owner: string, ids?: readonly string[]): StoredAttachment[] {
  if (ids && ids.length === 0) return [];
  // ids come from a message that carries at most ATTACHMENT_MAX_FILES of them: a bounded IN list.
  const filter = ids ? ` AND a.id IN (${ids.map(() => '?').join(', ')})` : '';
  const rows = prepared(db, `${SELECT}${filter} ORDER BY a.pk`).all(conversationId, owner.toLowerCase(), ...(ids ?? [])) as AttachmentRow[];
  return rows.map(toAttachment);
}

function toAttachment(r: AttachmentRow): StoredAttachment {
  const a: StoredAttachment = {
    id: r.id,
    conversationId: r.conversation_id,
    owner: r.owner,
    name: r.name,
    mime: r.mime,
    kind: r.kind,
    size: r.size,
    data: r.data,
    createdAt: r.created_at,
  };
  if (r.text !== null) a.text = r.text;
  return a;
}
