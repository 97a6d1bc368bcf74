import { AppError } from '../../errors.js';
import { isoTime } from '../sqlite-rows.js';
import type { AttachmentKind, StoredAttachment } from '../store.js';
import type { PgQueryable } from './connection.js';

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

export async function saveAttachment(db: PgQueryable, a: StoredAttachment): Promise<void> {
  const owner = a.owner.toLowerCase();
  // One statement: the row goes in only when the conversation is this owner's.
  const { rowCount } = await db.query(
    `INSERT INTO attachments (id, conversation_pk, owner, name, mime, kind, size, text, data, created_at)
     SELECT $1, c.pk, c.owner, $3, $4, $5, $6, $7, $8, $9 FROM conversations c WHERE c.id = $2 AND c.owner = $10`,
    [a.id, a.conversationId, a.name, a.mime, a.kind, a.size, a.text ?? null, a.data, isoTime(a.createdAt, 'createdAt'), owner],
  );
  if (rowCount === 0) throw new AppError('NOT_FOUND');
}

export async function getAttachments(db: PgQueryable, conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]> {
  if (ids && ids.length === 0) return [];
  const { rows } = await db.query<PgAttachmentRow>(
    `SELECT a.id, c.id AS conversation_id, a.owner, a.name, a.mime, a.kind, a.size, a.text, a.data, a.created_at
     FROM attachments a JOIN conversations c ON c.pk = a.conversation_pk
     WHERE c.id = $1 AND c.owner = $2 AND a.owner = c.owner ${ids ? 'AND a.id = ANY($3::text[])' : ''} ORDER BY a.pk`,
    ids ? [conversationId, owner.toLowerCase(), [...ids]] : [conversationId, owner.toLowerCase()],
  );
  return rows.map((r) => {
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
  });
}
