import type { ConversationRecord, SavedMessage, StoredMessage } from '../store.js';
import { toNumber } from './connection.js';

export interface PgConversationRow {
  pk: string;
  id: string;
  owner: string;
  tenant: string;
  title: string;
  model: string;
  tools: string[];
  data_sources: string[];
  locked: boolean;
  created_at: Date;
  updated_at: Date;
  message_count: string;
}

export interface PgMessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  role: SavedMessage['role'];
  text: string;
  created_at: Date;
  details: Details;
}

/** Every conversation read goes through this, so messageCount is always computed the same way. */
export const CONVERSATION_COLUMNS = `c.pk, c.id, c.owner, c.tenant, c.title, c.model, c.tools, c.data_sources, c.locked,
  c.created_at, c.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_pk = c.pk) AS message_count`;

export function toConversation(row: PgConversationRow): ConversationRecord {
  return {
    id: row.id,
    owner: row.owner,
    tenant: row.tenant,
    title: row.title,
    model: row.model,
    tools: row.tools,
    dataSources: row.data_sources,
    locked: row.locked,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    messageCount: toNumber(row.message_count),
  };
}

/** The optional fields of a message live in one JSONB column: the set grows without migrations. */
type Details = Omit<StoredMessage, 'id' | 'conversationId' | 'seq' | 'role' | 'text' | 'createdAt'>;

/** JSON text for the details column; undefined fields are dropped exactly as SQLite's JSON.stringify drops them. */
export function messageDetails(m: StoredMessage): string {
  const { id: _id, conversationId: _c, seq: _s, role: _r, text: _t, createdAt: _at, ...details } = m;
  return JSON.stringify(details satisfies Details);
}

export function toMessage(row: PgMessageRow): SavedMessage {
  return { id: row.id, conversationId: row.conversation_id, seq: row.seq, role: row.role, text: row.text, createdAt: row.created_at.toISOString(), ...row.details };
}
