import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { budgetReadings } from '../../server/metrics/budget-readings.js';
import type { TenantBudgetStatus } from '../../server/tenants/tenant-budgets.js';
import type { TenantDefinition } from '../../server/tenants/tenants-file.js';

/** Budget gauges read one line per limited dimension of each limited tenant; a failing read is skipped. */

const tenants = (...ids: string[]) => ({ list: () => ids.map((id) => ({ id }) as TenantDefinition) });
const status = (tenant: string, limits: TenantBudgetStatus['limits'], used: Partial<TenantBudgetStatus['used']> = {}): TenantBudgetStatus => ({
  tenant,
  month: '2026-12',
  resetsAt: '2027-01-01T00:00:00.000Z',
  warnAt: 0.8,
  used: { requests: 0, inputTokens: 0, outputTokens: 0, ...used },
  limits,
});

describe('budgetReadings', () => {
  it('reads each limited dimension, skips unlimited tenants, and leaves out a tenant whose read fails', async () => {
    const lines: Array<{ tenant?: string; msg?: string }> = [];
    const log = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const budgets = {
      status: async (tenant: string) => {
        if (tenant === 'broken') throw new Error('database is locked');
        if (tenant === 'free') return undefined;
        return status(tenant, { requests: 100, outputTokens: 5_000 }, { requests: 40, outputTokens: 6_000, inputTokens: 9 });
      },
    };
    expect(await budgetReadings(budgets, tenants('acme', 'free', 'broken'), log)).toEqual([
      { tenant: 'acme', dimension: 'requests', limit: 100, used: 40 },
      { tenant: 'acme', dimension: 'outputTokens', limit: 5_000, used: 6_000 },
    ]);
    expect(lines).toEqual([expect.objectContaining({ tenant: 'broken', msg: 'budget reading for metrics failed' })]);
  });
});
