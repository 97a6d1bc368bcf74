import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import { Redactor } from '../../logger.js';
import { commandList, loadMcpConfig, mcpSecrets, type McpConfig } from './mcp-config.js';
import { McpToolSource } from './mcp-source.js';

export interface McpSetup {
  config: McpConfig;
  sources: McpToolSource[];
}

/** Reads MCP_CONFIG_FILE and makes one tool source per configured server (none when the file is absent). */
export function createMcpSources(env: Readonly<Env>, vars: Record<string, string | undefined>, log: Logger): McpSetup {
  const config = loadMcpConfig(env.MCP_CONFIG_FILE, {
    vars,
    allowedCommands: commandList(env.MCP_STDIO_COMMANDS),
    defaultTimeoutMs: env.TOOL_TIMEOUT_MS,
  });
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
