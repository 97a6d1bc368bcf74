import { randomUUID } from 'node:crypto';
import { prepared, type SqliteDb } from './sqlite-connection.js';
import type { BudgetAmounts, BudgetDimension, BudgetLedgerState, BudgetRequest, BudgetReservation } from './store.js';

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

const ADD_SPENT = `INSERT INTO budget_spent (tenant, month, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (tenant, month) DO UPDATE SET requests = requests + excluded.requests,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`;

/** Settled spending and the live reservations apart (the start of an in-process ledger's month). */
export function budgetLedgerState(db: SqliteDb, tenant: string, month: string, nowMs: number): BudgetLedgerState {
  const spent = prepared(db, 'SELECT requests, prompt_tokens AS promptTokens, completion_tokens AS completionTokens FROM budget_spent WHERE tenant = ? AND month = ?')
    .get(tenant, month) as BudgetAmounts | undefined;
  const held = prepared(db,
    `SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(prompt_tokens), 0) AS promptTokens,
       COALESCE(SUM(completion_tokens), 0) AS completionTokens, MAX(expires_at) AS until
     FROM budget_reservations WHERE tenant = ? AND month = ? AND expires_at > ?`,
  ).get(tenant, month, nowMs) as BudgetAmounts & { until: number | null };
  const { until, ...heldAmounts } = held;
  return {
    spent: spent ?? { requests: 0, promptTokens: 0, completionTokens: 0 },
    held: heldAmounts,
    ...(until !== null ? { heldUntil: new Date(until) } : {}),
  };
}

/** One upsert: a statement is a transaction of its own, so the charge is all there or not at all. */
export function addBudgetSpent(db: SqliteDb, tenant: string, month: string, a: BudgetAmounts): void {
  prepared(db, ADD_SPENT).run(tenant, month, a.requests, a.promptTokens, a.completionTokens);
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
    prepared(db, ADD_SPENT).run(held.tenant, held.month, held.requests, actual.promptTokens, actual.completionTokens);
    return budgetUsed(db, held.tenant, held.month, nowMs);
  }).immediate();
}
