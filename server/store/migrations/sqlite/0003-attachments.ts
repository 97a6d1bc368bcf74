/**
 * Shipped migration: NEVER edit it. Files attached to messages, kept with their conversation and
 * deleted with it (ON DELETE CASCADE). `owner` repeats the conversation's owner so every read can
 * check it in the same statement. `text` is what the model reads (text files and PDFs).
 */
export const sql = `
CREATE TABLE attachments (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_pk INTEGER NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('text', 'pdf', 'image')),
  size INTEGER NOT NULL,
  text TEXT,
  data BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX attachments_by_conversation ON attachments (conversation_pk);
`;
