import { AppError } from '../errors.js';
import type { BudgetDimensionName } from '../protocol/server-events.js';
import type { BudgetAmounts, BudgetDimension, Store } from '../store/store.js';
import { budgetMonth, nextBudgetReset } from './budget-month.js';
import type { TenantDirectory } from './tenant-directory.js';
import type { TenantBudget } from './tenants-file.js';

export type BudgetStore = Pick<Store, 'reserveBudget' | 'settleBudget' | 'budgetUsed'> & {
  /** Waits until every settled charge is written (an in-process ledger writes them as it goes). */
  drain?: () => Promise<void>;
};

export interface BudgetSettings {
  timeZone: string;
  /** A reservation not settled within this time stops counting (STORE_RESERVATION_TTL_MS). */
  reservationTtlMs: number;
  now: () => Date;
}

/** A held worst case for one model call; settle it exactly once with what the call really used. */
export interface BudgetHold {
  /** The output cap the call must be made with (the reservation cannot cover more). */
  maxOutputTokens?: number;
  /** `reportCrossing: false` skips the warn_at check (the chat was already warned). */
  settle(actual: { promptTokens: number; completionTokens: number }, options?: { reportCrossing?: boolean }): Promise<BudgetCrossing | undefined>;
}

/** Returned by settle when spending has passed `warn_at` of a limit. */
export interface BudgetCrossing {
  dimension: BudgetDimensionName;
  used: number;
  limit: number;
  resetsAt: string;
}

export interface TenantBudgetStatus {
  tenant: string;
  month: string;
  resetsAt: string;
  warnAt: number;
  used: { requests: number; inputTokens: number; outputTokens: number };
  limits: { requests?: number; inputTokens?: number; outputTokens?: number };
}

const PUBLIC_NAME: Record<BudgetDimension, BudgetDimensionName> = { requests: 'requests', promptTokens: 'inputTokens', completionTokens: 'outputTokens' };
const WORDS: Record<BudgetDimension, string> = { requests: 'requests', promptTokens: 'input tokens', completionTokens: 'output tokens' };

/** How a dimension reads in a sentence ("… of its monthly output tokens"). */
export const DIMENSION_WORDS: Record<BudgetDimensionName, string> = { requests: WORDS.requests, inputTokens: WORDS.promptTokens, outputTokens: WORDS.completionTokens };

function limitsOf(b: TenantBudget): Partial<BudgetAmounts> {
  return {
    ...(b.monthlyRequests !== undefined ? { requests: b.monthlyRequests } : {}),
    ...(b.monthlyInputTokens !== undefined ? { promptTokens: b.monthlyInputTokens } : {}),
    ...(b.monthlyOutputTokens !== undefined ? { completionTokens: b.monthlyOutputTokens } : {}),
  };
}

/**
 * Exact monthly budgets per tenant (design §13): before every model call its worst case is reserved
 * in one atomic store transaction, and settled to the real usage afterwards — also when the call was
 * stopped, failed or timed out. Never read-check-then-write: concurrent calls cannot overshoot.
 */
export class TenantBudgets {
  constructor(
    private readonly store: BudgetStore,
    private readonly directory: TenantDirectory,
    private readonly settings: BudgetSettings,
  ) {}

  tenantName(tenant: string): string {
    return this.directory.get(tenant)?.name ?? tenant;
  }

  /** True when the tenant has any limit at all (no reservation is made otherwise). */
  limited(tenant: string): boolean {
    const b = this.directory.get(tenant)?.budget;
    return !!b && Object.keys(limitsOf(b)).length > 0;
  }

  /**
   * Holds `promptTokens` plus an output cap against the tenant's month. The cap is the model's own,
   * shrunk to what is left of an output budget, so the last calls of a month still fit exactly.
   * Throws BUDGET_EXCEEDED (with the tenant and when it resets) when nothing fits.
   */
  async reserve(tenant: string, promptTokens: number, outputCap: number): Promise<BudgetHold | undefined> {
    const budget = this.directory.get(tenant)?.budget;
    if (!budget || !this.limited(tenant)) return undefined;
    const now = this.settings.now();
    const month = budgetMonth(now, this.settings.timeZone);
    const limits = limitsOf(budget);
    const request = { tenant, month, requests: 1, promptTokens, limits, ttlMs: this.settings.reservationTtlMs, now };
    let maxOutputTokens = outputCap;
    // One transaction in the common case; only near the end of an output budget is the cap shrunk
    // to what is left and tried once more (still atomically: the store checks again).
    let held = await this.store.reserveBudget({ ...request, completionTokens: maxOutputTokens });
    if (!held.ok && held.exceeded === 'completionTokens' && limits.completionTokens !== undefined) {
      maxOutputTokens = Math.min(outputCap, limits.completionTokens - held.used.completionTokens);
      if (maxOutputTokens >= 1) held = await this.store.reserveBudget({ ...request, completionTokens: maxOutputTokens });
    }
    if (!held.ok) throw this.exceeded(tenant, held.exceeded, now);
    const { reservationId } = held;
    let settled = false;
    return {
      maxOutputTokens,
      settle: async (actual, options = {}) => {
        if (settled) return undefined;
        settled = true;
        const at = this.settings.now();
        const totals = await this.store.settleBudget(reservationId, actual, at);
        return options.reportCrossing === false || !totals ? undefined : this.crossing(totals, budget, at);
      },
    };
  }

  /** Before the store closes: every settled charge written. */
  async drain(): Promise<void> {
    await this.store.drain?.();
  }

  async status(tenant: string): Promise<TenantBudgetStatus | undefined> {
    const budget = this.directory.get(tenant)?.budget;
    if (!budget || !this.limited(tenant)) return undefined;
    const now = this.settings.now();
    const month = budgetMonth(now, this.settings.timeZone);
    const used = await this.store.budgetUsed(tenant, month, now);
    const limits = limitsOf(budget);
    return {
      tenant,
      month,
      resetsAt: nextBudgetReset(now, this.settings.timeZone).toISOString(),
      warnAt: budget.warnAt,
      used: { requests: used.requests, inputTokens: used.promptTokens, outputTokens: used.completionTokens },
      limits: {
        ...(limits.requests !== undefined ? { requests: limits.requests } : {}),
        ...(limits.promptTokens !== undefined ? { inputTokens: limits.promptTokens } : {}),
        ...(limits.completionTokens !== undefined ? { outputTokens: limits.completionTokens } : {}),
      },
    };
  }

  private crossing(used: BudgetAmounts, budget: TenantBudget, now: Date): BudgetCrossing | undefined {
    const limits = limitsOf(budget);
    for (const dimension of ['requests', 'promptTokens', 'completionTokens'] as const) {
      const limit = limits[dimension];
      if (limit !== undefined && used[dimension] >= limit * budget.warnAt) {
        return { dimension: PUBLIC_NAME[dimension], used: used[dimension], limit, resetsAt: nextBudgetReset(now, this.settings.timeZone).toISOString() };
      }
    }
    return undefined;
  }

  private exceeded(tenant: string, dimension: BudgetDimension, now: Date): AppError {
    const name = this.directory.get(tenant)?.name ?? tenant;
    const reset = nextBudgetReset(now, this.settings.timeZone);
    const day = new Intl.DateTimeFormat('en-GB', { timeZone: this.settings.timeZone, dateStyle: 'long' }).format(reset);
    return new AppError('BUDGET_EXCEEDED', `${name} has used its monthly budget of ${WORDS[dimension]}; it resets on ${day}.`, {
      details: { tenant, resetsAt: reset.toISOString() },
    });
  }
}
