import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AccessPolicy } from '../../access/policy.js';
import type { DataSourceCatalog } from '../../data/catalog.js';
import type { ToolRegistry } from '../registry.js';
import { TOOL_SEPARATOR } from './mcp-config.js';

export interface GatewayCaller {
  email: string;
  /** The gateway client (from its bearer token), when clients are configured. */
  client?: string;
}

export interface GatewayDeps {
  tools: ToolRegistry;
  policy: AccessPolicy;
  catalog: DataSourceCatalog;
  log: Logger;
}

/**
 * The name a caller sees for one of our tools. There are no tenants yet (one implicit tenant), so
 * names are ours unchanged: built-ins as they are, MCP tools as `<server>__<tool>`. A caller in
 * several tenants will see `<tenant>__<name>`; `fromGatewayName` is the one place that undoes it.
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

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: deps.tools.definitionsFor(caller.email).map((tool) => ({
      name: toGatewayName(tool.name),
      description: tool.description,
      inputSchema: { ...tool.parameters, type: 'object' as const },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = fromGatewayName(request.params.name) ?? request.params.name;
    // Each call is its own session for the tools: per-session state (interpreters) is released after it.
    const sessionId = `mcp-${randomBytes(8).toString('hex')}`;
    const dataSources = deps.catalog
      .list()
      .map((d) => d.id)
      .filter((id) => deps.policy.canUseDataSource(caller.email, id));
    const outcome = await deps.tools
      .executePermitted(name, JSON.stringify(request.params.arguments ?? {}), { user: caller.email, sessionId, dataSources, signal: extra.signal, log: audit.child({ tool: name }) })
      .finally(() => void deps.tools.disposeSession(sessionId));
    audit.info({ tool: name.slice(0, 200), ok: outcome.ok, ...(outcome.ok ? {} : { code: outcome.code }), durationMs: outcome.durationMs }, 'mcp gateway tool call');
    if (!outcome.ok) return { isError: true, content: [{ type: 'text', text: `Error (${outcome.code}): ${outcome.message}` }] };
    const content: CallToolResult['content'] = [{ type: 'text', text: outcome.content }];
    const image = outcome.ui?.type === 'image' ? /^data:([^;]+);base64,(.*)$/.exec(outcome.ui.src) : null;
    if (image) content.push({ type: 'image', mimeType: image[1]!, data: image[2]! });
    return { content };
  });
  return server;
}
