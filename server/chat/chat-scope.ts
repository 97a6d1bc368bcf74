import type { Who } from '../access/policy.js';
import type { DataSourceInfo, ModelInfo, TenantInfo, ToolInfo } from '../protocol/server-events.js';
import type { ChatDeps } from './chat-deps.js';

type ScopeDeps = Pick<ChatDeps, 'policy' | 'models' | 'tools' | 'catalog' | 'tenants'>;

/**
 * What a chat may use, computed for its (person, tenant) pair in one place. Every list a client sees
 * comes from here; every call checks the same policy again (tools in the registry, models on send,
 * data sources per tool call), so a grant removed mid-chat stops the next call, not only the listing.
 */
export interface ChatScope {
  models: ModelInfo[];
  tools: ToolInfo[];
  dataSources: DataSourceInfo[];
}

export function scopeFor(deps: ScopeDeps, who: Who): ChatScope {
  return {
    // `reason` is operator detail (missing key names, ECONNREFUSED): it stays in /ready and the log.
    models: deps.models
      .list()
      .filter((m) => deps.policy.canUseModel(who, m.name))
      .map(({ reason: _operatorDetail, ...model }) => model),
    tools: deps.tools.listFor(who),
    dataSources: deps.catalog
      .list()
      .filter((d) => deps.policy.canUseDataSource(who, d.id))
      .map((d) => ({ id: d.id, name: d.name, description: d.description })),
  };
}

/** The selected data sources that are still permitted now. */
export function permittedDataSources(deps: Pick<ChatDeps, 'policy'>, who: Who, selected: readonly string[]): string[] {
  return selected.filter((id) => deps.policy.canUseDataSource(who, id));
}

/** A model this pair may use that is reachable: the preferred one when it qualifies. */
export function usableModel(deps: Pick<ChatDeps, 'policy' | 'models' | 'env'>, who: Who, preferred?: string): string {
  const permitted = (name: string) => deps.policy.canUseModel(who, name) && deps.models.isAvailable(name);
  const candidates = [preferred, deps.env.DEFAULT_MODEL, deps.models.defaultModel(), ...deps.models.list().map((m) => m.name)];
  // With nothing usable, the chat still opens (on the default) and a send explains why it cannot answer.
  return candidates.find((name): name is string => !!name && permitted(name)) ?? deps.models.defaultModel(deps.env.DEFAULT_MODEL);
}

export function tenantInfos(deps: Pick<ChatDeps, 'tenants'>, ids: readonly string[]): TenantInfo[] {
  return ids.map((id) => ({ id, name: deps.tenants.get(id)?.name ?? id }));
}
