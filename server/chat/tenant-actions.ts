import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Session } from '../sessions/session.js';
import { DIMENSION_WORDS, type BudgetHold, type TenantBudgets } from '../tenants/tenant-budgets.js';
import { audit } from './audit.js';
import type { ChatDeps } from './chat-deps.js';
import { scopeFor, usableModel } from './chat-scope.js';
import type { ConnectionState } from './connection-state.js';

/**
 * `select-tenant`: the chat now works for another of the person's tenants. Only before the first
 * message (the tenant locks with it, like the selection); the model, tools and data sources are
 * reset to that tenant's defaults and sent back as `scope`.
 */
export function selectTenant(ctx: ChatDeps, state: ConnectionState, session: Session, tenant: string): void {
  if (session.turn) throw new AppError('TURN_IN_PROGRESS');
  if (session.locked) throw new AppError('SELECTION_LOCKED', 'The organisation of a chat is fixed once it has started; start a new chat to work for another.');
  const log = state.conn.log;
  if (!state.principal.tenants.includes(tenant) || !ctx.tenants.isMember(session.owner, tenant)) {
    log.warn({ audit: 'tenant-refused', user: session.owner, tenant: tenant.slice(0, 100) }, 'audit');
    throw new AppError('FORBIDDEN', 'You do not work for that organisation.');
  }
  session.tenant = tenant;
  const who = session.who;
  const scope = scopeFor(ctx, who);
  session.model = usableModel(ctx, who, session.model);
  session.tools = scope.tools.map((t) => t.name);
  session.dataSources = scope.dataSources.map((d) => d.id);
  session.record({ kind: 'tenant-selected', tenant, model: session.model, tools: session.tools, dataSources: session.dataSources });
  audit(session, log, 'tenant-selected', {});
  state.sendDirect({ type: 'scope', session: session.info(), ...scope });
}

/** How a turn reserves and settles each model call against its tenant's budget. */
export interface TurnBudget {
  reserve(promptTokens: number, outputCap: number): Promise<BudgetHold | undefined>;
}

/**
 * The chat's side of budgets: a refusal is audited, and passing `warn_at` is told once per chat
 * (a `budget-warning` event). A failing settle is logged, never breaks the answer.
 */
export function turnBudget(budgets: TenantBudgets, session: Session, log: Logger): TurnBudget {
  return {
    async reserve(promptTokens, outputCap) {
      let hold: BudgetHold | undefined;
      try {
        hold = await budgets.reserve(session.tenant, promptTokens, outputCap);
      } catch (err) {
        if (err instanceof AppError && err.code === 'BUDGET_EXCEEDED') audit(session, log, 'budget-refused', { model: session.model, promptTokens, outputCap });
        throw err;
      }
      if (!hold) return undefined;
      const held = hold;
      return {
        ...(held.maxOutputTokens !== undefined ? { maxOutputTokens: held.maxOutputTokens } : {}),
        async settle(actual) {
          try {
            const crossing = await held.settle(actual, { reportCrossing: !session.noticesGiven.has('budget-warning') });
            if (crossing && !session.noticesGiven.has('budget-warning')) {
              session.noticesGiven.add('budget-warning');
              const name = budgets.tenantName(session.tenant);
              const percent = Math.round((crossing.used / Math.max(crossing.limit, 1)) * 100);
              const message = `${name} has used ${percent}% of its monthly ${DIMENSION_WORDS[crossing.dimension]}.`;
              session.record({ kind: 'budget-warning', tenant: session.tenant, ...crossing, message });
            }
            return crossing;
          } catch (err) {
            log.error({ err, tenant: session.tenant }, 'budget settle failed');
            return undefined;
          }
        },
      };
    },
  };
}
