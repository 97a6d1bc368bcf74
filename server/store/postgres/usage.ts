import { monthOf, type UsageEvent, type UsageRow } from '../store.js';
import { toNumber, type PgQueryable } from './connection.js';

/** The usage ledger: one row per model call, summed per user, tenant, model and month when read. */

const USAGE_SELECT = `SELECT user_email AS "user", tenant, model, month, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt_tokens,
  SUM(completion_tokens) AS completion_tokens, COUNT(*) FILTER (WHERE estimated) AS estimated_calls FROM usage_ledger`;
const USAGE_GROUP = 'GROUP BY user_email, tenant, model, month ORDER BY user_email, tenant, model';

interface UsageSumRow {
  user: string;
  tenant: string;
  model: string;
  month: string;
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
  estimated_calls: string;
}

const toUsageRow = (row: UsageSumRow): UsageRow => ({
  user: row.user,
  tenant: row.tenant,
  model: row.model,
  month: row.month,
  requests: toNumber(row.requests),
  promptTokens: toNumber(row.prompt_tokens),
  completionTokens: toNumber(row.completion_tokens),
  estimatedCalls: toNumber(row.estimated_calls),
});

export async function recordUsage(db: PgQueryable, u: UsageEvent): Promise<void> {
  await db.query(
    `INSERT INTO usage_ledger (user_email, tenant, model, month, at, prompt_tokens, completion_tokens, estimated, conversation_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [u.user.toLowerCase(), u.tenant, u.model, monthOf(u.at), u.at.toISOString(), u.promptTokens, u.completionTokens, u.estimated, u.conversationId ?? null],
  );
}

export async function usageFor(db: PgQueryable, user: string, month: string): Promise<UsageRow[]> {
  const { rows } = await db.query<UsageSumRow>(`${USAGE_SELECT} WHERE month = $1 AND user_email = $2 ${USAGE_GROUP}`, [month, user.toLowerCase()]);
  return rows.map(toUsageRow);
}

export async function usageAll(db: PgQueryable, month: string): Promise<UsageRow[]> {
  const { rows } = await db.query<UsageSumRow>(`${USAGE_SELECT} WHERE month = $1 ${USAGE_GROUP}`, [month]);
  return rows.map(toUsageRow);
}
