import type { Logger } from 'pino';
import type { TenantBudgets } from '../tenants/tenant-budgets.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import type { BudgetReading } from './metrics.js';

/**
 * Every limited tenant's budget, one reading per limited dimension, for the galaxy_budget_* gauges.
 * A tenant whose reading fails (the store is down) is left out and logged: one bad read must not
 * turn the whole scrape into an error and hide every other series.
 */
export async function budgetReadings(budgets: Pick<TenantBudgets, 'status'>, tenants: Pick<TenantDirectory, 'list'>, log: Logger): Promise<BudgetReading[]> {
  const statuses = await Promise.all(
    tenants.list().map((t) =>
      budgets.status(t.id).catch((err: unknown) => {
        log.error({ err, tenant: t.id }, 'budget reading for metrics failed');
        return undefined;
      }),
    ),
  );
  const out: BudgetReading[] = [];
  for (const status of statuses) {
    if (!status) continue;
    for (const dimension of ['requests', 'inputTokens', 'outputTokens'] as const) {
      const limit = status.limits[dimension];
      if (limit !== undefined) out.push({ tenant: status.tenant, dimension, limit, used: status.used[dimension] });
    }
  }
  return out;
}
