import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../config/env.js';
import { loadYamlFile } from '../../config/yaml-file.js';
import { interpolate } from '../../llm/llm-config.js';

/**
 * config/mcp.yml (MCP_CONFIG_FILE): the MCP servers whose tools Galaxy offers, and the clients that
 * may use Galaxy's own /mcp gateway with a bearer token. A missing file means no MCP at all.
 * `${VAR}` and `${VAR:-fallback}` are filled from the environment, as in llms.yml; a server whose
 * variables are unset stays configured but disabled, with the reason shown in /ready.
 */

/** Server ids become tool-name prefixes (`<id>__<tool>`), so they must be short and unambiguous. */
const SERVER_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const TOOL_SEPARATOR = '__';

const stringMap = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'names use letters, digits, _ and -'), z.string().max(10_000)).default({});
const common = {
  id: z.string().regex(SERVER_ID, 'ids use lower-case letters, digits and single dashes (at most 40)'),
  timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
  tools: z.array(z.string().min(1).max(200)).min(1).default(['*']),
};
const httpServer = z.strictObject({
  ...common,
  transport: z.enum(['streamable-http', 'sse']),
  url: z.string().min(1).max(2000),
  headers: stringMap,
});
const stdioServer = z.strictObject({
  ...common,
  transport: z.literal('stdio'),
  command: z.string().min(1).max(200),
  args: z.array(z.string().max(10_000)).max(100).default([]),
  env: stringMap,
  cwd: z.string().max(2000).optional(),
});
const documentSchema = z.strictObject({
  servers: z.array(z.discriminatedUnion('transport', [httpServer, stdioServer])).default([]),
  gateway: z
    .strictObject({
      clients: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), token: z.string().min(1) })).default([]),
    })
    .default({ clients: [] }),
});

interface ServerCommon {
  id: string;
  /**
   * Set on a per-tenant instance: a server whose settings use `${tenant.NAME}` runs once for each
   * tenant that lists it, with that tenant's credentials, and only that tenant's chats reach it.
   */
  tenant?: string;
  timeoutMs: number;
  /** Allowlist of the server's own tool names ("*" = all). */
  allowedTools: readonly string[];
  /** Set when variables it needs are unset: the server is not contacted. */
  disabledReason?: string;
}
export interface HttpServerConfig extends ServerCommon {
  transport: 'streamable-http' | 'sse';
  url: string;
  headers: Record<string, string>;
}
export interface StdioServerConfig extends ServerCommon {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}
export type McpServerConfig = HttpServerConfig | StdioServerConfig;

export interface GatewayClient {
  name: string;
  token: string;
}

export interface McpConfig {
  servers: McpServerConfig[];
  gatewayClients: GatewayClient[];
}

export interface McpConfigOptions {
  vars: Record<string, string | undefined>;
  allowedCommands: readonly string[];
  defaultTimeoutMs: number;
}

export function loadMcpConfig(file: string, options: McpConfigOptions): McpConfig {
  if (!existsSync(file)) return { servers: [], gatewayClients: [] };
  return parseMcpConfig(loadYamlFile(file) ?? {}, options, file);
}

export function parseMcpConfig(document: unknown, options: McpConfigOptions, origin = 'mcp config'): McpConfig {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${origin}: ${i.path.join('.') || '(top level)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const servers: McpServerConfig[] = [];
  parsed.data.servers.forEach((entry, index) => {
    const at = `${origin}: servers[${index}] (${entry.id})`;
    if (seen.has(entry.id)) problems.push(`${at}: id is used more than once`);
    seen.add(entry.id);
    const missing: string[] = [];
    const fill = (value: string) => interpolate(value, options.vars, missing);
    const fillMap = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fill(v)]));
    const base: ServerCommon = { id: entry.id, timeoutMs: entry.timeout_ms ?? options.defaultTimeoutMs, allowedTools: entry.tools };
    let server: McpServerConfig;
    if (entry.transport === 'stdio') {
      const command = fill(entry.command);
      // Only the command itself is checked: the allowlist names programs, never paths or shells.
      if (!options.allowedCommands.includes(command)) {
        problems.push(`${at}: command "${command}" is not allowed (MCP_STDIO_COMMANDS allows: ${options.allowedCommands.join(', ') || 'none'})`);
      }
      server = { ...base, transport: 'stdio', command, args: entry.args.map(fill), env: fillMap(entry.env), ...(entry.cwd ? { cwd: fill(entry.cwd) } : {}) };
    } else {
      const url = fill(entry.url);
      if (missing.length === 0 && !isHttpUrl(url)) problems.push(`${at}: url ${JSON.stringify(url)} is not an http(s) URL`);
      server = { ...base, transport: entry.transport, url, headers: fillMap(entry.headers) };
    }
    if (missing.length > 0) server.disabledReason = `${missing.join(', ')} not set`;
    servers.push(server);
  });
  const names = new Set<string>();
  for (const client of parsed.data.gateway.clients) {
    if (names.has(client.name)) problems.push(`${origin}: gateway.clients: name "${client.name}" is used more than once`);
    names.add(client.name);
  }
  const gatewayClients = parsed.data.gateway.clients.map((c) => ({ name: c.name, token: interpolate(c.token, options.vars, []) })).filter((c) => c.token !== '');
  if (problems.length > 0) throw new ConfigError(problems);
  return { servers, gatewayClients };
}

/** Every secret value in the config (headers, env values, gateway tokens), for the Redactor. */
/** True when the server's settings name a tenant credential (`${tenant.NAME}`). */
export function usesTenantCredentials(server: McpServerConfig): boolean {
  const values = server.transport === 'stdio' ? [...server.args, ...Object.values(server.env)] : [server.url, ...Object.values(server.headers)];
  return values.some((v) => TENANT_PLACEHOLDER.test(v));
}

const TENANT_PLACEHOLDER = /\$\{tenant\.([A-Za-z_][A-Za-z0-9_]*)\}/;
const TENANT_PLACEHOLDERS = new RegExp(TENANT_PLACEHOLDER.source, 'g');

/**
 * The server as it runs for one tenant: every `${tenant.NAME}` replaced by that tenant's credential.
 * A credential the tenant does not have disables this instance (with the reason), never another's.
 */
export function forTenant(server: McpServerConfig, tenant: string, credentials: Readonly<Record<string, string>>): McpServerConfig {
  const missing: string[] = [];
  const fill = (value: string) =>
    value.replace(TENANT_PLACEHOLDERS, (_match, name: string) => {
      const found = credentials[name];
      if (found === undefined || found === '') missing.push(name);
      return found ?? '';
    });
  const fillMap = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fill(v)]));
  const instance: McpServerConfig =
    server.transport === 'stdio'
      ? { ...server, tenant, args: server.args.map(fill), env: fillMap(server.env) }
      : { ...server, tenant, url: fill(server.url), headers: fillMap(server.headers) };
  if (missing.length > 0 && !instance.disabledReason) instance.disabledReason = `tenant ${tenant} has no credential ${[...new Set(missing)].join(', ')}`;
  return instance;
}

export function mcpSecrets(config: McpConfig): string[] {
  const secrets = config.gatewayClients.map((c) => c.token);
  for (const server of config.servers) {
    if (server.transport === 'stdio') secrets.push(...Object.values(server.env));
    else secrets.push(...Object.values(server.headers));
    // "Bearer abc…": the token alone must be redacted too, wherever it is echoed.
  }
  return secrets.flatMap((s) => [s, ...s.split(/\s+/).filter((part) => part.length >= 12)]);
}

/** Split on commas: MCP_STDIO_COMMANDS. */
export function commandList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
