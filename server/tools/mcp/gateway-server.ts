import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AccessPolicy } from '../../access/policy.js';
import type { DataSourceCatalog } from '../../data/catalog.js';
import { permittedDataSources } from '../../chat/chat-scope.js';
import type { TenantDirectory } from '../../tenants/tenant-directory.js';
import type { ToolRegistry } from '../registry.js';
import { TOOL_SEPARATOR } from './mcp-config.js';

export interface GatewayCaller {
  email: string;
  /** The tenants the caller works for, resolved when the request arrived. */
  tenants: readonly string[];
  /** The gateway client (from its bearer token), when clients are configured. */
  client?: string;
}

export interface GatewayDeps {
  tools: ToolRegistry;
  policy: AccessPolicy;
  catalog: DataSourceCatalog;
  tenants: TenantDirectory;
  /** What leaves through the gateway never carries a configured secret, as for a chat's frames. */
  redact: (text: string) => string;
  log: Logger;
}

/**
 * The name a caller sees for one of our tools: ours unchanged (built-ins as they are, MCP tools as
 * `<server>__<tool>`) for a caller in one tenant; `<tenant>__<name>` for a caller in several, so the
 * name says which tenant's tools and credentials a call uses. `fromGatewayName` is the one place
 * that undoes it.
 */
export function toGatewayName(name: string, tenant?: string): string {
  return tenant ? `${tenant}${TOOL_SEPARATOR}${name}` : name;
}

export function fromGatewayName(gatewayName: string, tenant?: string): string | undefined {
  if (!tenant) return gatewayName;
  const prefix = `${tenant}${TOOL_SEPARATOR}`;
  return gatewayName.startsWith(prefix) ? gatewayName.slice(prefix.length) : undefined;
}

/**
 * An MCP server over our tool registry, built per request (the gateway is stateless). tools/list
 * shows only what this caller may use now; tools/call re-checks access in the registry and runs the
 * same guard as a chat (timeouts, caps, tool errors), and every call leaves an audit line.
 */
export function createGatewayServer(caller: GatewayCaller, deps: GatewayDeps): Server {
  const server = new Server({ name: 'galaxy-chat', version: '0.1.0' }, { capabilities: { tools: {} } });
  const audit = deps.log.child({ audit: 'mcp-gateway', user: caller.email, ...(caller.client ? { client: caller.client } : {}) });
  const several = caller.tenants.length > 1;

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: caller.tenants.flatMap((tenant) =>
      deps.tools.definitionsFor({ user: caller.email, tenant }).map((tool) => ({
        name: toGatewayName(tool.name, several ? tenant : undefined),
        description: several ? `[${deps.tenants.get(tenant)?.name ?? tenant}] ${tool.description}` : tool.description,
        inputSchema: { ...tool.parameters, type: 'object' as const },
      })),
    ),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const requested = request.params.name;
    const tenant = several ? requested.slice(0, Math.max(0, requested.indexOf(TOOL_SEPARATOR))) : caller.tenants[0];
    // Membership is checked again now, not only when the tools were listed.
    if (!tenant || !caller.tenants.includes(tenant) || !deps.tenants.isMember(caller.email, tenant)) {
      audit.warn({ tool: requested.slice(0, 200), ok: false, code: 'TOOL_FORBIDDEN' }, 'mcp gateway tool call');
      return { isError: true, content: [{ type: 'text', text: `Error (TOOL_FORBIDDEN): No tool named "${requested.slice(0, 100)}" is available to you.` }] };
    }
    const name = fromGatewayName(requested, several ? tenant : undefined) ?? requested;
    const who = { user: caller.email, tenant };
    // Each call is its own session for the tools: per-session state (interpreters) is released after it.
    const sessionId = `mcp-${randomBytes(8).toString('hex')}`;
    const dataSources = permittedDataSources(deps, who, deps.catalog.list().map((d) => d.id));
    const context = {
      user: caller.email,
      tenant,
      credentials: deps.tenants.get(tenant)?.credentials ?? {},
      sessionId,
      dataSources,
      signal: extra.signal,
      log: audit.child({ tool: name, tenant }),
    };
    const outcome = await deps.tools.executePermitted(name, JSON.stringify(request.params.arguments ?? {}), context).finally(() => void deps.tools.disposeSession(sessionId));
    audit.info({ tenant, tool: name.slice(0, 200), ok: outcome.ok, ...(outcome.ok ? {} : { code: outcome.code }), durationMs: outcome.durationMs }, 'mcp gateway tool call');
    if (!outcome.ok) return { isError: true, content: [{ type: 'text', text: deps.redact(`Error (${outcome.code}): ${outcome.message}`) }] };
    const content: CallToolResult['content'] = [{ type: 'text', text: deps.redact(outcome.content) }];
    const image = outcome.ui?.type === 'image' ? /^data:([^;]+);base64,(.*)$/.exec(outcome.ui.src) : null;
    if (image) content.push({ type: 'image', mimeType: image[1]!, data: image[2]! });
    return { content };
  });
  return server;
}
