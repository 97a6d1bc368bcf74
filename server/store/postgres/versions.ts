import type { Membership } from '../store.js';
import { membershipRows } from '../memberships.js';
import { AppError } from '../../errors.js';
import type { PgPool, PgQueryable } from './connection.js';

/**
 * Marks a message and every later one of its conversation superseded (regenerate, edit-message),
 * in one statement: the flag lives in the message's details, as in SQLite.
 */
export async function supersedeFrom(db: PgQueryable, conversationId: string, owner: string, messageId: string): Promise<number> {
  const result = await db.query(
    `UPDATE messages m SET details = m.details || '{"superseded": true}'::jsonb
     FROM messages f JOIN conversations c ON c.pk = f.conversation_pk
     WHERE f.id = $3 AND c.id = $1 AND c.owner = $2 AND m.conversation_pk = f.conversation_pk AND m.seq >= f.seq`,
    [conversationId, owner.toLowerCase(), messageId],
  );
  return result.rowCount ?? 0;
}

/**
 * The operator's TENANT_MEMBERS_QUERY, run read-only: inside a READ ONLY transaction PostgreSQL
 * itself refuses any write the query might attempt.
 */
export async function queryMemberships(pool: PgPool, sql: string): Promise<Membership[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    let rows: unknown[];
    try {
      rows = (await client.query(sql)).rows;
    } catch (err) {
      if ((err as { code?: string }).code === '25006') throw new AppError('BAD_REQUEST', 'TENANT_MEMBERS_QUERY must be a read-only SELECT returning email and tenant.');
      throw err;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
    return membershipRows(rows);
  } finally {
    client.release();
  }
}
