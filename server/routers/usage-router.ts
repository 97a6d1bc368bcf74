import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { MONTH_PATTERN, monthOf, type Store, type UsageRow } from '../store/store.js';
import type { TenantBudgets } from '../tenants/tenant-budgets.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { authenticated } from './authenticated.js';
import { usageCsv, usageReport } from './usage-report.js';

export interface UsageRoutesDeps {
  store: Pick<Store, 'usageFor' | 'usageAll' | 'attachmentBytesUsed'>;
  /** ATTACHMENT_QUOTA_MB_PER_USER in bytes; absent when files cannot be attached (history off). */
  attachmentQuotaBytes?: number;
  tenants: TenantDirectory;
  budgets: TenantBudgets;
  identity: Pick<AppContext, 'env' | 'log'>;
  log: Logger;
  now?: () => Date;
  /**
   * Resolves once this person's live chats here have written what they recorded: the page asks
   * right after an answer ends, and must see that answer (read your own writes).
   */
  written?: (user: string) => Promise<void>;
}

export function totals(rows: readonly UsageRow[]) {
  return rows.reduce(
    (sum, r) => ({ requests: sum.requests + r.requests, promptTokens: sum.promptTokens + r.promptTokens, completionTokens: sum.completionTokens + r.completionTokens }),
    { requests: 0, promptTokens: 0, completionTokens: 0 },
  );
}

function monthParam(query: string, now: Date): string {
  const month = new URLSearchParams(query).get('month') ?? monthOf(now);
  if (!MONTH_PATTERN.test(month)) throw new AppError('BAD_REQUEST', 'month must look like 2026-03.');
  return month;
}

/**
 * Usage you can see (docs/api.md): `/api/usage` is the caller's own use plus, per tenant they work
 * for, that tenant's budget this month; `/api/admin/usage` is every tenant by user and model, for
 * admins only (everyone else 403), as JSON or CSV, and every read is an audit line.
 */
export function registerUsageRoutes(app: TemplatedApp, deps: UsageRoutesDeps): void {
  const now = deps.now ?? (() => new Date());

  app.get(
    '/api/usage',
    authenticated(deps.identity, async (reply, request, identity) => {
      const month = monthParam(request.query, now());
      await deps.written?.(identity.email);
      const rows = await deps.store.usageFor(identity.email, month);
      const tenants = await Promise.all(
        deps.tenants.tenantsOf(identity.email).map(async (id) => {
          const budget = await deps.budgets.status(id);
          return { id, name: deps.tenants.get(id)?.name ?? id, ...(budget ? { budget } : {}) };
        }),
      );
      // Stored files are not monthly: this is what they take up now, against the person's quota.
      const quota = deps.attachmentQuotaBytes;
      const attachments = quota === undefined ? undefined : { usedBytes: await deps.store.attachmentBytesUsed(identity.email), allowedBytes: quota };
      if (reply.aborted) return;
      reply.json(200, { month, rows, totals: totals(rows), tenants, ...(attachments ? { attachments } : {}) });
    }),
  );

  app.get(
    '/api/admin/usage',
    authenticated(deps.identity, async (reply, request, identity) => {
      if (!deps.tenants.isAdmin(identity.email)) {
        deps.log.warn({ audit: 'admin-usage-refused', user: identity.email }, 'audit');
        throw new AppError('FORBIDDEN', 'Only administrators may read every tenant’s usage.');
      }
      const params = new URLSearchParams(request.query);
      const format = params.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new AppError('BAD_REQUEST', 'format must be json or csv.');
      const month = monthParam(request.query, now());
      const rows = await deps.store.usageAll(month);
      deps.log.info({ audit: 'admin-usage-read', user: identity.email, month, format }, 'audit');
      if (reply.aborted) return;
      if (format === 'csv') {
        reply.send(200, usageCsv(month, rows), [
          ['Content-Type', 'text/csv; charset=utf-8'],
          ['Content-Disposition', `attachment; filename="galaxy-usage-${month}.csv"`],
          ['Cache-Control', 'no-store'],
        ]);
        return;
      }
      reply.json(200, usageReport(month, rows, deps.tenants));
    }),
  );
}
