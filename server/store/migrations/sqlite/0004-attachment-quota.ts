/**
 * Shipped migration: NEVER edit it. The per-person quota (ATTACHMENT_QUOTA_MB_PER_USER) sums an
 * owner's file sizes on every upload; this index answers that from the index alone, never reading
 * the files' bytes. Same as PostgreSQL's 0003.
 */
export const sql = `
CREATE INDEX attachments_by_owner ON attachments (owner, size);
`;
