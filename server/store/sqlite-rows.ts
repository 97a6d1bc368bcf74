import { AppError } from '../errors.js';
import type { ConversationRecord, SavedMessage, StoredMessage } from './store.js';

export interface ConversationRow {
  pk: number;
  id: string;
  owner: string;
  tenant: string;
  title: string;
  model: string;
  tools: string;
  data_sources: string;
  locked: number;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  role: SavedMessage['role'];
  text: string;
  created_at: string;
  details: string;
}

/** Every conversation read goes through this, so messageCount is always computed the same way. */
export const CONVERSATION_COLUMNS = `c.pk, c.id, c.owner, c.tenant, c.title, c.model, c.tools, c.data_sources, c.locked,
  c.created_at, c.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_pk = c.pk) AS message_count`;

export function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    owner: row.owner,
    tenant: row.tenant,
    title: row.title,
    model: row.model,
    tools: JSON.parse(row.tools) as string[],
    dataSources: JSON.parse(row.data_sources) as string[],
    locked: row.locked === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    messageCount: row.message_count,
  };
}

/** The optional fields of a message live in one JSON column: the set grows without migrations. */
type Details = Omit<StoredMessage, 'id' | 'conversationId' | 'seq' | 'role' | 'text' | 'createdAt'>;

export function messageDetails(m: StoredMessage): string {
  const { id: _id, conversationId: _c, seq: _s, role: _r, text: _t, createdAt: _at, ...details } = m;
  return JSON.stringify(details satisfies Details);
}

export function toMessage(row: MessageRow): SavedMessage {
  const details = JSON.parse(row.details) as Details;
  return { id: row.id, conversationId: row.conversation_id, seq: row.seq, role: row.role, text: row.text, createdAt: row.created_at, ...details };
}

/** Normalises a caller's timestamp to the one ISO form, so text comparison orders by time. */
export function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError('BAD_REQUEST', `${field} is not a valid time: "${value}"`);
  return new Date(ms).toISOString();
}

export function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { updatedAt: value[0], id: value[1] };
    }
  } catch {
    // Falls through to the error below: a tampered cursor is the client's mistake.
  }
  throw new AppError('BAD_REQUEST', 'The cursor is not valid.');
}
