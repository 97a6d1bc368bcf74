import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseEmailPattern, type EmailPattern } from '../access/email-pattern.js';
import { ConfigError } from '../config/env.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { interpolate } from '../llm/llm-config.js';

/**
 * config/tenants.yml (TENANTS_CONFIG_FILE): the client organisations one Galaxy serves, who belongs
 * to each, what each may use, the credentials its tools get and its monthly budget. Validated once
 * at boot with every problem listed; `${VAR}` is filled from the environment (for credentials).
 */

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export interface TenantBudget {
  monthlyInputTokens?: number;
  monthlyOutputTokens?: number;
  monthlyRequests?: number;
  /** Fraction of any limit at which a chat is warned once. */
  warnAt: number;
}

export interface TenantDefinition {
  id: string;
  name: string;
  members: readonly (EmailPattern & { text: string })[];
  models: readonly string[];
  tools: readonly string[];
  dataSources: readonly string[];
  /** Appended to the configured system prompt in this tenant's chats. */
  systemPrompt: string;
  /** Handed only to this tenant's tools; every value is also redacted everywhere. */
  credentials: Readonly<Record<string, string>>;
  budget?: TenantBudget;
  mcpServers: readonly string[];
}

export interface TenantsFile {
  admins: readonly (EmailPattern & { text: string })[];
  defaultTenant: string | null;
  tenants: readonly TenantDefinition[];
}

const pattern = z.string().transform((text, ctx): EmailPattern & { text: string } => {
  const parsed = parseEmailPattern(text);
  if (typeof parsed !== 'string') return { ...parsed, text };
  ctx.addIssue({ code: 'custom', message: parsed });
  return z.NEVER;
});

const names = z.array(z.string().trim().min(1).max(200).regex(/^\S+$/, 'must not contain spaces'));
const limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const tenantSchema = z.strictObject({
  id: z.string().regex(TENANT_ID, 'tenant ids use lower-case letters, digits and - (at most 40), starting with a letter or digit'),
  name: z.string().trim().min(1).max(100).optional(),
  members: z.array(pattern).default([]),
  models: names.default(['*']),
  tools: names.default(['*']),
  data_sources: names.default(['*']),
  system_prompt: z.string().max(20_000).default(''),
  credentials: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'credential names are like environment variables'), z.string()).default({}),
  budget: z
    .strictObject({
      monthly_input_tokens: limit.optional(),
      monthly_output_tokens: limit.optional(),
      monthly_requests: limit.optional(),
      warn_at: z.number().gt(0).max(1).default(0.8),
    })
    .optional(),
  mcp_servers: names.default([]),
});

const fileSchema = z.strictObject({
  admins: z.array(pattern).default([]),
  default_tenant: z.string().nullable().default(null),
  tenants: z.array(z.unknown()).min(1, 'needs at least one tenant'),
});

/** Reads the file, or returns undefined when it does not exist (one implicit tenant, as before tenants). */
export function loadTenantsFile(file: string, vars: Record<string, string | undefined>): TenantsFile | undefined {
  if (!existsSync(file)) return undefined;
  return parseTenantsDocument(loadYamlFile(file), vars, file);
}

export function parseTenantsDocument(document: unknown, vars: Record<string, string | undefined>, origin = 'tenants'): TenantsFile {
  const describe = (issues: z.core.$ZodIssue[], prefix: (string | number)[]) =>
    issues.map((i) => `${origin}: ${[...prefix, ...i.path].join('.') || '(top level)'}: ${i.message}`);
  const top = fileSchema.safeParse(document);
  if (!top.success) throw new ConfigError(describe(top.error.issues, []));
  const problems: string[] = [];
  const tenants: TenantDefinition[] = [];
  top.data.tenants.forEach((raw, index) => {
    const parsed = tenantSchema.safeParse(raw);
    if (!parsed.success) return void problems.push(...describe(parsed.error.issues, ['tenants', index]));
    const t = parsed.data;
    if (tenants.some((other) => other.id === t.id)) problems.push(`${origin}: tenants.${index}.id: "${t.id}" is used twice`);
    const missing: string[] = [];
    const credentials = Object.fromEntries(Object.entries(t.credentials).map(([name, value]) => [name, interpolate(value, vars, missing)]));
    for (const variable of missing) problems.push(`${origin}: tenants.${index} (${t.id}): credentials need ${variable}, which is not set`);
    const b = t.budget;
    tenants.push({
      id: t.id,
      name: t.name ?? t.id,
      members: t.members,
      models: t.models,
      tools: t.tools,
      dataSources: t.data_sources,
      systemPrompt: t.system_prompt.trim(),
      credentials,
      mcpServers: t.mcp_servers,
      ...(b
        ? {
            budget: {
              warnAt: b.warn_at,
              ...(b.monthly_input_tokens !== undefined ? { monthlyInputTokens: b.monthly_input_tokens } : {}),
              ...(b.monthly_output_tokens !== undefined ? { monthlyOutputTokens: b.monthly_output_tokens } : {}),
              ...(b.monthly_requests !== undefined ? { monthlyRequests: b.monthly_requests } : {}),
            },
          }
        : {}),
    });
  });
  const defaultTenant = top.data.default_tenant;
  if (defaultTenant !== null && !tenants.some((t) => t.id === defaultTenant)) {
    problems.push(`${origin}: default_tenant: "${defaultTenant}" is not one of the tenants`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { admins: top.data.admins, defaultTenant, tenants };
}
