/**
 * Shipped migration: NEVER edit it; add the next numbered file instead. Integer primary keys are
 * explicit so that rowids stay stable across VACUUM (the search index of 0002 refers to them).
 */
export const sql = `
CREATE TABLE conversations (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  tenant TEXT NOT NULL,
  title TEXT NOT NULL,
  model TEXT NOT NULL,
  tools TEXT NOT NULL DEFAULT '[]',
  data_sources TEXT NOT NULL DEFAULT '[]',
  locked INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX conversations_by_owner_recent ON conversations (owner, updated_at DESC, id DESC);
CREATE INDEX conversations_by_updated ON conversations (updated_at);

CREATE TABLE messages (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_pk INTEGER NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
  text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',
  UNIQUE (conversation_pk, seq)
);

CREATE TABLE feedback (
  pk INTEGER PRIMARY KEY,
  conversation_pk INTEGER NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
  message_id TEXT,
  user TEXT NOT NULL,
  rating TEXT CHECK (rating IN ('good', 'bad')),
  comment TEXT,
  at TEXT NOT NULL
);
CREATE INDEX feedback_by_conversation ON feedback (conversation_pk);

CREATE TABLE usage_ledger (
  pk INTEGER PRIMARY KEY,
  user TEXT NOT NULL,
  tenant TEXT NOT NULL,
  model TEXT NOT NULL,
  month TEXT NOT NULL,
  at TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  conversation_id TEXT
);
CREATE INDEX usage_by_month_user ON usage_ledger (month, user);

CREATE TABLE budget_spent (
  tenant TEXT NOT NULL,
  month TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, month)
);

CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  month TEXT NOT NULL,
  requests INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX budget_reservations_live ON budget_reservations (tenant, month, expires_at);
CREATE INDEX budget_reservations_by_expiry ON budget_reservations (expires_at);
`;
