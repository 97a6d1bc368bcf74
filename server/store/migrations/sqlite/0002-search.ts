/**
 * Shipped migration: NEVER edit it. Full-text search over titles and user/assistant text.
 * Rowids: a message's row uses messages.pk, a title's row uses -conversations.pk, so a conversation's
 * rows are found by key, never by scanning the index. `owner_key` is one opaque token per owner
 * (the owner_key() function the store registers), so a search only visits its owner's documents;
 * ownership is still checked against conversations.owner when results are read.
 */
export const sql = `
CREATE VIRTUAL TABLE search_index USING fts5 (
  conversation_pk UNINDEXED,
  owner_key,
  title,
  body,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index (rowid, conversation_pk, owner_key, title, body)
  SELECT -pk, pk, owner_key(owner), title, '' FROM conversations;
INSERT INTO search_index (rowid, conversation_pk, owner_key, title, body)
  SELECT m.pk, m.conversation_pk, owner_key(c.owner), '', m.text
  FROM messages m JOIN conversations c ON c.pk = m.conversation_pk
  WHERE m.role IN ('user', 'assistant');
`;
