import { randomUUID } from 'node:crypto';
import { prepared, type SqliteDb } from './sqlite-connection.js';
import type { BudgetAmounts, BudgetDimension, BudgetRequest, BudgetReservation } from './store.js';

const DIMENSIONS: readonly BudgetDimension[] = ['requests', 'promptTokens', 'completionTokens'];
// An expired reservation is kept this long so a late settle still records what was really spent.
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/** Settled spending plus reservations still live at `nowMs`. */
export function budgetUsed(db: SqliteDb, tenant: string, month: string, nowMs: number): BudgetAmounts {
  const row = prepared(db, 
      `SELECT
         COALESCE((SELECT requests FROM budget_spent WHERE tenant = @tenant AND month = @month), 0)
           + COALESCE((SELECT SUM(requests) FROM budget_reservations WHERE tenant = @tenant AND month = @month AND expires_at > @now), 0) AS requests,
         COALESCE((SELECT prompt_tokens FROM budget_spent WHERE tenant = @tenant AND month = @month), 0)
           + COALESCE((SELECT SUM(prompt_tokens) FROM budget_reservations WHERE tenant = @tenant AND month = @month AND expires_at > @now), 0) AS promptTokens,
         COALESCE((SELECT completion_tokens FROM budget_spent WHERE tenant = @tenant AND month = @month), 0)
           + COALESCE((SELECT SUM(completion_tokens) FROM budget_reservations WHERE tenant = @tenant AND month = @month AND expires_at > @now), 0) AS completionTokens`,
    )
    .get({ tenant, month, now: nowMs }) as BudgetAmounts;
  return row;
}

/**
 * Check and hold in ONE immediate transaction: no other writer can slip in between reading what is
 * used and writing the reservation (the read-check-then-write race of design §13).
 */
export function reserveBudget(db: SqliteDb, r: BudgetRequest): BudgetReservation {
  const nowMs = r.now.getTime();
  return db
    .transaction((): BudgetReservation => {
      prepared(db, 'DELETE FROM budget_reservations WHERE expires_at < ?').run(nowMs - KEEP_EXPIRED_MS);
      const used = budgetUsed(db, r.tenant, r.month, nowMs);
      for (const dimension of DIMENSIONS) {
        const limit = r.limits[dimension];
        if (limit !== undefined && used[dimension] + r[dimension] > limit) return { ok: false, exceeded: dimension, used };
      }
      const reservationId = randomUUID();
      prepared(db, 
        `INSERT INTO budget_reservations (id, tenant, month, requests, prompt_tokens, completion_tokens, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(reservationId, r.tenant, r.month, r.requests, r.promptTokens, r.completionTokens, nowMs + r.ttlMs);
      return { ok: true, reservationId };
    })
    .immediate();
}

/**
 * Moves a reservation into settled spending at its actual size and returns the month's totals after
 * it (read in the same transaction, so a warning needs no second trip); a second settle finds nothing.
 */
export function settleBudget(db: SqliteDb, reservationId: string, actual: { promptTokens: number; completionTokens: number }, nowMs: number): BudgetAmounts | undefined {
  return db.transaction((): BudgetAmounts | undefined => {
    const held = prepared(db, 'DELETE FROM budget_reservations WHERE id = ? RETURNING tenant, month, requests').get(reservationId) as
      | { tenant: string; month: string; requests: number }
      | undefined;
    if (!held) return undefined;
    prepared(db, 
      `INSERT INTO budget_spent (tenant, month, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant, month) DO UPDATE SET requests = requests + excluded.requests,
         prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`,
    ).run(held.tenant, held.month, held.requests, actual.promptTokens, actual.completionTokens);
    return budgetUsed(db, held.tenant, held.month, nowMs);
  }).immediate();
}
