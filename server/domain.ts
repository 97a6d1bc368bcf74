import type { Logger } from 'pino';
import type { AccessPolicy } from './access/policy.js';
import { YamlAccessPolicy } from './access/yaml-policy.js';
import type { AppContext } from './app-context.js';
import { ConfigError, type Env } from './config/env.js';
import { DataSourceCatalog } from './data/catalog.js';
import { ensureSampleData } from './data/sample-data.js';
import { loadModelRegistry, type ModelRegistry } from './llm/model-registry.js';
import { createTools } from './tools/index.js';
import { MeteredToolRegistry } from './metrics/metered.js';
import { BuiltinToolSource } from './tools/builtin-source.js';
import { createMcpSources, readMcpConfig, type McpSetup } from './tools/mcp/index.js';
import { mcpSecrets, type GatewayClient } from './tools/mcp/mcp-config.js';
import type { Store } from './store/store.js';
import { SqlMembership } from './tenants/sql-membership.js';
import { TenantDirectory } from './tenants/tenant-directory.js';
import { TenantAccessPolicy } from './tenants/tenant-policy.js';
import { loadTenantsFile } from './tenants/tenants-file.js';

export interface Domain {
  models: ModelRegistry;
  tools: MeteredToolRegistry;
  catalog: DataSourceCatalog;
  /** The tenants' grants narrowed by the operator's policy: what every check asks. */
  policy: AccessPolicy;
  tenants: TenantDirectory;
  /** Values from mcp.yml (headers, env, tokens) the Redactor must remove. */
  mcpSecrets: string[];
  /** Who may call the /mcp gateway with a bearer token. */
  gatewayClients: GatewayClient[];
  /** Work that must not delay listening: model pings, warm interpreters. */
  startBackground(ctx: AppContext): void;
}

/**
 * Loads everything the chat needs from configuration, failing fast with every problem listed:
 * models, sample data and the data-source catalog, the access policy, and the tools.
 */
export async function loadDomain(
  env: Readonly<Env>,
  vars: Record<string, string | undefined>,
  log: Logger,
  store: Pick<Store, 'queryMemberships'>,
  policyOverride?: AccessPolicy,
): Promise<Domain> {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else problems.push((err as Error).message);
      return undefined;
    }
  };
  const models = attempt(() => loadModelRegistry(env, vars));
  const built = attempt(() => ensureSampleData(env.DATA_DIR));
  if (built && built.built.length > 0) log.info({ files: built.built, dir: env.DATA_DIR }, 'built sample data sources');
  const catalog = attempt(() => DataSourceCatalog.load(env.DATA_SOURCES_FILE, env.DATA_DIR));
  const operatorPolicy = policyOverride ?? attempt(() => YamlAccessPolicy.load(env.ACCESS_CONFIG_FILE));
  const tenantsFile = attempt(() => loadTenantsFile(env.TENANTS_CONFIG_FILE, vars));
  if (env.TENANT_MEMBERS_QUERY && !tenantsFile) problems.push(`TENANT_MEMBERS_QUERY: needs a tenants file (${env.TENANTS_CONFIG_FILE} does not exist)`);

  if (operatorPolicy instanceof YamlAccessPolicy) for (const warning of operatorPolicy.warnings) log.warn(warning);
  // MCP servers that name tenant credentials run once per tenant, so the tenants come first.
  const directory = tenantsFile ? TenantDirectory.fromFile(tenantsFile) : TenantDirectory.implicit(env.APP_NAME);
  const mcpConfig = attempt(() => readMcpConfig(env, vars, directory));
  if (problems.length > 0 || !models || !catalog || !operatorPolicy || !mcpConfig) throw new ConfigError(problems);
  const mcp: McpSetup = await createMcpSources(env, mcpConfig, log);

  const sqlMembers = env.TENANT_MEMBERS_QUERY ? await loadSqlMembers(store, env, log) : undefined;
  const tenants = tenantsFile && sqlMembers ? TenantDirectory.fromFile(tenantsFile, sqlMembers) : directory;
  if (tenantsFile) log.info({ tenants: tenants.list().map((t) => t.id), file: env.TENANTS_CONFIG_FILE }, 'tenants loaded');
  const policy = new TenantAccessPolicy(tenants, operatorPolicy);


  const tools = new MeteredToolRegistry([new BuiltinToolSource(createTools(env, catalog, log)), ...mcp.sources], policy, {
    timeoutMs: env.TOOL_TIMEOUT_MS,
    maxResultChars: env.TOOL_RESULT_MAX_CHARS,
  });

  // When operators require the sandbox's network isolation, a missing namespace must stop the boot,
  // not surface later as a failing tool: start the tools before listening.
  if (env.CODE_REQUIRE_NETNS) await tools.start();

  return {
    models,
    tools,
    catalog,
    policy,
    tenants,
    mcpSecrets: mcpSecrets(mcp.config),
    gatewayClients: mcp.config.gatewayClients,
    startBackground(ctx) {
      void models
        .checkAll({ timeoutMs: env.LLM_PING_TIMEOUT_MS, skip: !env.LLM_STARTUP_CHECK })
        .then(() => ctx.log.info({ models: models.readiness() }, 'model check finished'))
        .catch((err: unknown) => ctx.log.error({ err }, 'model check failed'));
      if (env.CODE_REQUIRE_NETNS) return;
      void tools
        .start()
        .then(() => ctx.log.info({ tools: tools.readiness() }, 'tools ready'))
        .catch((err: unknown) => ctx.log.error({ err }, 'tools failed to start'));
    },
  };
}

/** The SQL membership option; a query that fails at boot stops the boot with its message. */
async function loadSqlMembers(store: Pick<Store, 'queryMemberships'>, env: Readonly<Env>, log: Logger): Promise<SqlMembership> {
  try {
    return await SqlMembership.load(store, env.TENANT_MEMBERS_QUERY ?? '', env.TENANT_MEMBERS_REFRESH_S * 1000, log);
  } catch (err) {
    throw new ConfigError([`TENANT_MEMBERS_QUERY: ${(err as Error).message}`]);
  }
}
