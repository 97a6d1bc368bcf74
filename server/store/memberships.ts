import { AppError } from '../errors.js';
import type { Membership } from './store.js';

/**
 * Rows of an operator's membership query, checked: each needs a text `email` and `tenant` column.
 * Shared by every store implementation so they read the same rows the same way.
 */
export function membershipRows(rows: unknown[]): Membership[] {
  return rows.map((row) => {
    const r = row as Record<string, unknown>;
    if (typeof r.email !== 'string' || typeof r.tenant !== 'string') {
      throw new AppError('BAD_REQUEST', 'TENANT_MEMBERS_QUERY must return text columns named email and tenant.');
    }
    return { email: r.email.trim().toLowerCase(), tenant: r.tenant.trim() };
  });
}
