import type { ChatDeps } from './chat-deps.js';
import type { Session } from '../sessions/session.js';
import { permittedDataSources } from './chat-scope.js';

/**
 * The system prompt for a turn: the configured prompt, the tenant's addition, then what this chat may use. The model only
 * learns data source ids from here, so it can pass a valid `data_source` to sql_query.
 */
export function buildSystemPrompt(ctx: Pick<ChatDeps, 'systemPrompt' | 'policy' | 'catalog' | 'tenants'>, session: Session): string {
  const parts = [ctx.systemPrompt];
  // The tenant's own instructions come right after the operator's, before what this chat selected.
  const tenantPrompt = ctx.tenants.get(session.tenant)?.systemPrompt;
  if (tenantPrompt) parts.push(tenantPrompt);
  const sources = permittedDataSources(ctx, session.who, session.dataSources)
    .map((id) => ctx.catalog.list().find((d) => d.id === id))
    .filter((d) => d !== undefined);
  if (sources.length > 0 && session.tools.includes('sql_query')) {
    const lines = sources.map((d) => `- ${d.id}: ${d.description} (tables: ${d.tables.map((t) => t.name).join(', ')})`);
    parts.push(`Data sources selected for this chat (use their id as data_source in sql_query):\n${lines.join('\n')}`);
  }
  return parts.join('\n\n');
}
