import type { AccessPolicy, Who } from '../access/policy.js';
import { allows, grant, type Grant } from '../access/yaml-policy.js';
import type { TenantDirectory } from './tenant-directory.js';

interface TenantGrants {
  models: Grant;
  tools: Grant;
  dataSources: Grant;
  mcpServers: Grant;
}

/** MCP tools are named `<server>__<tool>` (server/tools/mcp); built-in tools have no `__`. */
export function mcpServerOf(tool: string): string | undefined {
  const at = tool.indexOf('__');
  return at > 0 ? tool.slice(0, at) : undefined;
}

/**
 * The access policy every chat is checked against: the person must still belong to the chat's
 * tenant, the tenant must grant the thing, and the operator's own policy (access.yml, or a
 * company's replacement) must allow it too — so that policy can narrow a tenant, never widen it.
 */
export class TenantAccessPolicy implements AccessPolicy {
  private readonly grants = new Map<string, TenantGrants>();

  constructor(
    private readonly directory: TenantDirectory,
    private readonly inner: AccessPolicy,
  ) {
    for (const t of directory.list()) {
      this.grants.set(t.id, { models: grant(t.models), tools: grant(t.tools), dataSources: grant(t.dataSources), mcpServers: grant(t.mcpServers) });
    }
  }

  canUseModel(who: Who, model: string): boolean {
    const g = this.tenantGrants(who);
    return !!g && allows(g.models, model) && this.inner.canUseModel(who, model);
  }

  canUseTool(who: Who, tool: string): boolean {
    const g = this.tenantGrants(who);
    if (!g) return false;
    const server = mcpServerOf(tool);
    // A tenant's MCP servers are listed by id; `tools` grants the built-in ones (and may narrow a server's).
    const granted = server ? allows(g.mcpServers, server) && (g.tools.all || allows(g.tools, tool) || !hasNamesFor(g.tools, server)) : allows(g.tools, tool);
    return granted && this.inner.canUseTool(who, tool);
  }

  canUseDataSource(who: Who, dataSource: string): boolean {
    const g = this.tenantGrants(who);
    return !!g && allows(g.dataSources, dataSource) && this.inner.canUseDataSource(who, dataSource);
  }

  private tenantGrants(who: Who): TenantGrants | undefined {
    return this.directory.isMember(who.user, who.tenant) ? this.grants.get(who.tenant) : undefined;
  }
}

/** True when the tenant's `tools` list names some of this server's tools, i.e. narrows the server. */
function hasNamesFor(tools: Grant, server: string): boolean {
  const prefix = `${server}__`;
  return [...tools.names].some((n) => n.startsWith(prefix)) || tools.prefixes.some((p) => p.startsWith(prefix));
}
