import type { UsageRow } from '../store/store.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';

export interface TenantUsage {
  id: string;
  name: string;
  totals: { requests: number; inputTokens: number; outputTokens: number };
  rows: Array<{ user: string; model: string; requests: number; inputTokens: number; outputTokens: number; estimatedCalls: number }>;
}

/** Every tenant's month by user and model; configured tenants appear even with no use. */
export function usageReport(month: string, rows: readonly UsageRow[], tenants: Pick<TenantDirectory, 'list' | 'get'>): { month: string; tenants: TenantUsage[] } {
  const byTenant = new Map<string, TenantUsage>();
  const entry = (id: string) => {
    let found = byTenant.get(id);
    if (!found) {
      found = { id, name: tenants.get(id)?.name ?? id, totals: { requests: 0, inputTokens: 0, outputTokens: 0 }, rows: [] };
      byTenant.set(id, found);
    }
    return found;
  };
  for (const t of tenants.list()) entry(t.id);
  for (const r of rows) {
    const t = entry(r.tenant);
    t.rows.push({ user: r.user, model: r.model, requests: r.requests, inputTokens: r.promptTokens, outputTokens: r.completionTokens, estimatedCalls: r.estimatedCalls });
    t.totals.requests += r.requests;
    t.totals.inputTokens += r.promptTokens;
    t.totals.outputTokens += r.completionTokens;
  }
  return { month, tenants: [...byTenant.values()] };
}

/**
 * One CSV cell. Quoted when needed (RFC 4180); a value a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR) is prefixed with ' so opening the report can never execute it.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usageCsv(month: string, rows: readonly UsageRow[]): string {
  const header = ['month', 'tenant', 'user', 'model', 'requests', 'input_tokens', 'output_tokens', 'estimated_calls'];
  const lines = [header.join(',')];
  const sorted = [...rows].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.user.localeCompare(b.user) || a.model.localeCompare(b.model));
  for (const r of sorted) lines.push([month, r.tenant, r.user, r.model, r.requests, r.promptTokens, r.completionTokens, r.estimatedCalls].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
