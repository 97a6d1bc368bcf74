import type { Logger } from 'pino';
import type { Session } from '../sessions/session.js';
import type { AuditAction } from './records.js';

/**
 * One line of the audit trail, written twice on purpose: the operator log (one structured line,
 * greppable by `audit`) and the chat's transcript (the `audit` record), so either answers "who did
 * what for which tenant" on its own.
 */
export function audit(session: Session, log: Logger, action: AuditAction, detail: Record<string, unknown>): void {
  session.record({ kind: 'audit', action, tenant: session.tenant, ...detail });
  log.info({ audit: action, user: session.owner, tenant: session.tenant, sessionId: session.id, ...detail }, 'audit');
}
