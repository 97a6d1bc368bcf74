/**
 * Shipped migration: NEVER edit it. The per-person quota (ATTACHMENT_QUOTA_MB_PER_USER) sums an
 * owner's file sizes on every upload; this index lets that be an index-only scan. Same as SQLite's 0004.
 */
export const sql = `
CREATE INDEX attachments_by_owner ON attachments (owner, size);
`;
