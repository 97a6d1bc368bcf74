import { randomUUID } from 'node:crypto';
import type { BudgetAmounts, BudgetDimension, BudgetLedgerState, BudgetRequest, BudgetReservation } from '../store.js';
import { inTransaction, toNumber, type PgPool, type PgQueryable } from './connection.js';

/**
 * Budget reservations, atomic across every instance sharing the database. A reserve locks its
 * (tenant, month) row in budget_spent FOR UPDATE before it reads anything, so reserves for the same
 * budget run one after another on the database, whichever instance sends them; the check and the
 * insert of the hold happen under that lock (never read-check-then-write, design §13).
 */

const DIMENSIONS: readonly BudgetDimension[] = ['requests', 'promptTokens', 'completionTokens'];
// An expired reservation is kept this long so a late settle still records what was really spent.
const KEEP_EXPIRED_MS = 24 * 3_600_000;
// Expired holds removed per reserve: the sweep stays short however many have piled up.
const SWEEP_BATCH = 100;

interface AmountsRow {
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
}

/** Settled spending plus reservations still live at `nowMs`. */
export async function budgetUsed(db: PgQueryable, tenant: string, month: string, nowMs: number): Promise<BudgetAmounts> {
  const { rows } = await db.query<AmountsRow>(
    `WITH spent AS (SELECT requests, prompt_tokens, completion_tokens FROM budget_spent WHERE tenant = $1 AND month = $2),
          held AS (SELECT SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens
                     FROM budget_reservations WHERE tenant = $1 AND month = $2 AND expires_at > $3)
     SELECT COALESCE((SELECT requests FROM spent), 0) + COALESCE((SELECT requests FROM held), 0) AS requests,
            COALESCE((SELECT prompt_tokens FROM spent), 0) + COALESCE((SELECT prompt_tokens FROM held), 0) AS prompt_tokens,
            COALESCE((SELECT completion_tokens FROM spent), 0) + COALESCE((SELECT completion_tokens FROM held), 0) AS completion_tokens`,
    [tenant, month, nowMs],
  );
  const row = rows[0];
  return { requests: toNumber(row?.requests), promptTokens: toNumber(row?.prompt_tokens), completionTokens: toNumber(row?.completion_tokens) };
}

const ADD_SPENT = `INSERT INTO budget_spent (tenant, month, requests, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (tenant, month) DO UPDATE SET requests = budget_spent.requests + excluded.requests,
    prompt_tokens = budget_spent.prompt_tokens + excluded.prompt_tokens, completion_tokens = budget_spent.completion_tokens + excluded.completion_tokens`;

/** Settled spending and live reservations apart (the server itself uses reserve/settle here; see store.ts). */
export async function budgetLedgerState(db: PgQueryable, tenant: string, month: string, nowMs: number): Promise<BudgetLedgerState> {
  const { rows } = await db.query<AmountsRow & { held_requests: string | null; held_prompt: string | null; held_completion: string | null; until: string | null }>(
    `SELECT s.requests, s.prompt_tokens, s.completion_tokens, h.requests AS held_requests, h.prompt_tokens AS held_prompt,
            h.completion_tokens AS held_completion, h.until
     FROM (SELECT 1) AS one
     LEFT JOIN budget_spent s ON s.tenant = $1 AND s.month = $2
     CROSS JOIN (SELECT SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, MAX(expires_at) AS until
                 FROM budget_reservations WHERE tenant = $1 AND month = $2 AND expires_at > $3) h`,
    [tenant, month, nowMs],
  );
  const row = rows[0];
  return {
    spent: { requests: toNumber(row?.requests), promptTokens: toNumber(row?.prompt_tokens), completionTokens: toNumber(row?.completion_tokens) },
    held: { requests: toNumber(row?.held_requests), promptTokens: toNumber(row?.held_prompt), completionTokens: toNumber(row?.held_completion) },
    ...(row?.until != null ? { heldUntil: new Date(toNumber(row.until)) } : {}),
  };
}

export async function addBudgetSpent(db: PgQueryable, tenant: string, month: string, a: BudgetAmounts): Promise<void> {
  await db.query(ADD_SPENT, [tenant, month, a.requests, a.promptTokens, a.completionTokens]);
}

export async function reserveBudget(pool: PgPool, r: BudgetRequest): Promise<BudgetReservation> {
  const nowMs = r.now.getTime();
  return inTransaction(pool, async (client): Promise<BudgetReservation> => {
    // SKIP LOCKED: sweeps by concurrent reserves never wait for (or deadlock with) each other.
    await client.query(
      `DELETE FROM budget_reservations WHERE id IN (
         SELECT id FROM budget_reservations WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowMs - KEEP_EXPIRED_MS, SWEEP_BATCH],
    );
    // The row to lock must exist first; a concurrent first insert waits for ours, then does nothing.
    await client.query('INSERT INTO budget_spent (tenant, month) VALUES ($1, $2) ON CONFLICT DO NOTHING', [r.tenant, r.month]);
    await client.query('SELECT 1 FROM budget_spent WHERE tenant = $1 AND month = $2 FOR UPDATE', [r.tenant, r.month]);
    // READ COMMITTED: this statement sees every hold committed before we got the lock.
    const used = await budgetUsed(client, r.tenant, r.month, nowMs);
    for (const dimension of DIMENSIONS) {
      const limit = r.limits[dimension];
      if (limit !== undefined && used[dimension] + r[dimension] > limit) return { ok: false, exceeded: dimension, used };
    }
    const reservationId = randomUUID();
    await client.query(
      `INSERT INTO budget_reservations (id, tenant, month, requests, prompt_tokens, completion_tokens, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [reservationId, r.tenant, r.month, r.requests, r.promptTokens, r.completionTokens, nowMs + r.ttlMs],
    );
    return { ok: true, reservationId };
  });
}

/** Settles at the real size and returns the month's totals after it, in the same transaction. */
export async function settleBudget(pool: PgPool, reservationId: string, actual: { promptTokens: number; completionTokens: number }, nowMs: number): Promise<BudgetAmounts | undefined> {
  return inTransaction(pool, async (client): Promise<BudgetAmounts | undefined> => {
    const held = (await client.query<{ tenant: string; month: string; requests: string }>('DELETE FROM budget_reservations WHERE id = $1 RETURNING tenant, month, requests', [reservationId])).rows[0];
    if (!held) return undefined;
    await client.query(ADD_SPENT, [held.tenant, held.month, held.requests, actual.promptTokens, actual.completionTokens]);
    return budgetUsed(client, held.tenant, held.month, nowMs);
  });
}
