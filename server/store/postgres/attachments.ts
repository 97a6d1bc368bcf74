import { AppError } from '../../errors.js';
import { isoTime } from '../sqlite-rows.js';
import type { AttachmentKind, AttachmentSaved, StoredAttachment } from '../store.js';
import { inTransaction, toNumber, type PgPool, type PgQueryable } from './connection.js';

const SELECT_COLUMNS = `SELECT a.id, c.id AS conversation_id, a.owner, a.name, a.mime, a.kind, a.size, a.text, a.data, a.created_at
  FROM attachments a JOIN conversations c ON c.pk = a.conversation_pk`;

interface PgAttachmentRow {
  id: string;
  conversation_id: string;
  owner: string;
  name: string;
  mime: string;
  kind: AttachmentKind;
  size: number;
  text: string | null;
  data: Buffer;
  created_at: Date;
}

// Two-key advisory locks (class, owner hash): a class of their own, apart from the migration lock's one key.
const QUOTA_LOCK_CLASS = 724_331;

/**
 * Inserts the file; with a quota, under a transaction-scoped advisory lock on the owner, so one
 * person's uploads are checked and inserted one after another on the database, whichever instance
 * sends them (a plain SUM-then-INSERT under READ COMMITTED lets two concurrent uploads both pass).
 * Other people's uploads never wait for it; a hash collision only makes two people queue together.
 */
export async function saveAttachment(pool: PgPool, a: StoredAttachment, quotaBytes?: number): Promise<AttachmentSaved> {
  const owner = a.owner.toLowerCase();
  return inTransaction(pool, async (client): Promise<AttachmentSaved> => {
    if (quotaBytes !== undefined) await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [QUOTA_LOCK_CLASS, owner]);
    // READ COMMITTED: this statement sees every file committed before we got the lock.
    const used = await attachmentBytesUsed(client, owner);
    if (quotaBytes !== undefined && used + a.size > quotaBytes) return { ok: false, usedBytes: used };
    // One statement: the row goes in only when the conversation is this owner's.
    const { rowCount } = await client.query(
      `INSERT INTO attachments (id, conversation_pk, owner, name, mime, kind, size, text, data, created_at)
       SELECT $1, c.pk, c.owner, $3, $4, $5, $6, $7, $8, $9 FROM conversations c WHERE c.id = $2 AND c.owner = $10`,
      [a.id, a.conversationId, a.name, a.mime, a.kind, a.size, a.text ?? null, a.data, isoTime(a.createdAt, 'createdAt'), owner],
    );
    if (rowCount === 0) throw new AppError('NOT_FOUND');
    return { ok: true, usedBytes: used + a.size };
  });
}

export async function attachmentBytesUsed(db: PgQueryable, owner: string): Promise<number> {
  const { rows } = await db.query<{ used: string }>('SELECT COALESCE(SUM(size), 0) AS used FROM attachments WHERE owner = $1', [owner.toLowerCase()]);
  return toNumber(rows[0]?.used);
}

export async function getAttachment(db: PgQueryable, id: string, owner: string): Promise<StoredAttachment | undefined> {
  const { rows } = await db.query<PgAttachmentRow>(`${SELECT_COLUMNS} WHERE a.id = $1 AND a.owner = $2 AND c.owner = a.owner`, [id, owner.toLowerCase()]);
  return rows[0] && toAttachment(rows[0]);
}

export async function getAttachments(db: PgQueryable, conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]> {
  if (ids && ids.length === 0) return [];
  const { rows } = await db.query<PgAttachmentRow>(
    `${SELECT_COLUMNS}
     WHERE c.id = $1 AND c.owner = $2 AND a.owner = c.owner ${ids ? 'AND a.id = ANY($3::text[])' : ''} ORDER BY a.pk`,
    ids ? [conversationId, owner.toLowerCase(), [...ids]] : [conversationId, owner.toLowerCase()],
  );
  return rows.map(toAttachment);
}

function toAttachment(r: PgAttachmentRow): StoredAttachment {
  const a: StoredAttachment = {
    id: r.id,
    conversationId: r.conversation_id,
    owner: r.owner,
    name: r.name,
    mime: r.mime,
    kind: r.kind,
    size: r.size,
    data: r.data,
    createdAt: r.created_at.toISOString(),
  };
  if (r.text !== null) a.text = r.text;
  return a;
}
