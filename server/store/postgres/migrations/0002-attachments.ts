/**
 * Shipped migration: NEVER edit it. Files attached to messages, kept with their conversation and
 * deleted with it (ON DELETE CASCADE); `owner` repeats the conversation's so reads check it in the
 * same statement. `text` is what the model reads (text files and PDFs). Same shape as SQLite's 0003.
 */
export const sql = `
CREATE TABLE attachments (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  conversation_pk BIGINT NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  owner TEXT COLLATE "C" NOT NULL,
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('text', 'pdf', 'image')),
  size INTEGER NOT NULL,
  text TEXT,
  data BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_by_conversation ON attachments (conversation_pk);
`;
