/**
 * Shipped migration: NEVER edit it; add the next numbered file instead. Same tables as SQLite's
 * 0001 and 0002, in PostgreSQL's own types. Identifiers and names that lists are sorted by use
 * COLLATE "C" so ordering and keyset paging compare bytes, exactly as SQLite does, whatever the
 * database's locale. Search vectors are written by the store (it folds accents and adds the
 * owner's key lexeme, see ../search.ts); GIN indexes make `@@` an index lookup.
 */
export const sql = `
CREATE TABLE conversations (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  owner TEXT COLLATE "C" NOT NULL,
  tenant TEXT NOT NULL,
  title TEXT NOT NULL,
  model TEXT NOT NULL,
  tools JSONB NOT NULL DEFAULT '[]',
  data_sources JSONB NOT NULL DEFAULT '[]',
  locked BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  title_search TSVECTOR NOT NULL
);
CREATE INDEX conversations_by_owner_recent ON conversations (owner, updated_at DESC, id DESC);
CREATE INDEX conversations_by_updated ON conversations (updated_at);
CREATE INDEX conversations_title_search ON conversations USING GIN (title_search);

CREATE TABLE messages (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  conversation_pk BIGINT NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
  text TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  details JSONB NOT NULL DEFAULT '{}',
  body_search TSVECTOR,
  UNIQUE (conversation_pk, seq)
);
CREATE INDEX messages_body_search ON messages USING GIN (body_search);

CREATE TABLE feedback (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_pk BIGINT NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  message_id TEXT,
  user_email TEXT NOT NULL,
  rating TEXT CHECK (rating IN ('good', 'bad')),
  comment TEXT,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_by_conversation ON feedback (conversation_pk);

CREATE TABLE usage_ledger (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_email TEXT COLLATE "C" NOT NULL,
  tenant TEXT COLLATE "C" NOT NULL,
  model TEXT COLLATE "C" NOT NULL,
  month TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  estimated BOOLEAN NOT NULL,
  conversation_id TEXT
);
CREATE INDEX usage_by_month_user ON usage_ledger (month, user_email);

CREATE TABLE budget_spent (
  tenant TEXT NOT NULL,
  month TEXT NOT NULL,
  requests BIGINT NOT NULL DEFAULT 0,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, month)
);

CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  month TEXT NOT NULL,
  requests BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  -- Milliseconds since the epoch, compared with the caller's clock (BudgetRequest.now), like SQLite.
  expires_at BIGINT NOT NULL
);
CREATE INDEX budget_reservations_live ON budget_reservations (tenant, month, expires_at);
CREATE INDEX budget_reservations_by_expiry ON budget_reservations (expires_at);
`;
