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
import { createMcpSources, type McpSetup } from './tools/mcp/index.js';
import { mcpSecrets, type GatewayClient } from './tools/mcp/mcp-config.js';

export interface Domain {
  models: ModelRegistry;
  tools: MeteredToolRegistry;
  catalog: DataSourceCatalog;
  policy: AccessPolicy;
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
export async function loadDomain(env: Readonly<Env>, vars: Record<string, string | undefined>, log: Logger, policyOverride?: AccessPolicy): Promise<Domain> {
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
  const policy = policyOverride ?? attempt(() => YamlAccessPolicy.load(env.ACCESS_CONFIG_FILE));
  const mcp: McpSetup | undefined = attempt(() => createMcpSources(env, vars, log));
  if (policy instanceof YamlAccessPolicy) for (const warning of policy.warnings) log.warn(warning);
  if (problems.length > 0 || !models || !catalog || !policy || !mcp) throw new ConfigError(problems);

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
