import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import { Redactor } from '../../logger.js';
import type { TenantDirectory } from '../../tenants/tenant-directory.js';
import { commandList, forTenant, loadMcpConfig, mcpSecrets, usesTenantCredentials, type McpConfig, type McpServerConfig } from './mcp-config.js';
import type { ToolSource } from '../tool-source.js';

export interface McpSetup {
  config: McpConfig;
  sources: ToolSource[];
}

/**
 * The servers as they run: one instance per server, except that a server naming tenant credentials
 * (`${tenant.NAME}`) runs once per tenant that lists it in `mcp_servers`, each with its own secrets.
 */
export function serverInstances(servers: readonly McpServerConfig[], tenants: TenantDirectory): McpServerConfig[] {
  return servers.flatMap((server) => {
    if (!usesTenantCredentials(server)) return [server];
    return tenants
      .list()
      .filter((t) => t.mcpServers.includes(server.id) || t.mcpServers.includes('*'))
      .map((t) => forTenant(server, t.id, t.credentials));
  });
}

/** Reads and checks MCP_CONFIG_FILE (synchronously, so its problems are listed with the others). */
export function readMcpConfig(env: Readonly<Env>, vars: Record<string, string | undefined>, tenants: TenantDirectory): McpConfig {
  const loaded = loadMcpConfig(env.MCP_CONFIG_FILE, {
    vars,
    allowedCommands: commandList(env.MCP_STDIO_COMMANDS),
    defaultTimeoutMs: env.TOOL_TIMEOUT_MS,
  });
  return { ...loaded, servers: serverInstances(loaded.servers, tenants) };
}

/**
 * One tool source per server instance (none when there are no servers). The MCP client SDK is
 * imported only then: a deployment without MCP servers never loads it (~100 ms of the cold start).
 */
export async function createMcpSources(env: Readonly<Env>, config: McpConfig, log: Logger): Promise<McpSetup> {
  if (config.servers.length === 0) return { config, sources: [] };
  const { McpToolSource } = await import('./mcp-source.js');
  // Error texts from a server or its transport may echo a header or token: they are redacted before
  // they reach the operator log, /ready or a tool error.
  const redactor = new Redactor(mcpSecrets(config));
  const options = {
    redact: (text: string) => redactor.redact(text),
    connectTimeoutMs: env.MCP_CONNECT_TIMEOUT_MS,
    reconnectMaxMs: env.MCP_RECONNECT_MAX_MS,
    pingIntervalMs: env.MCP_PING_INTERVAL_MS,
    log,
  };
  return { config, sources: config.servers.map((server) => new McpToolSource(server, options)) };
}
