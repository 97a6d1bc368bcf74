import { z } from 'zod';
import { parseCidrList, type Cidr } from '../http/cidr.js';
import { normaliseEmail } from '../http/identity.js';

/**
 * Every setting Galaxy Chat reads from the environment. This is the only module that looks at
 * `process.env`-shaped data; the parsed result is frozen and passed down. Each field is documented
 * in docs/configuration.md and .env.example — keep all three in step.
 */

// Case-insensitive: operators write TRUE and True as often as true.
const bool = (fallback: boolean) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
      z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
    )
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v));

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const cidrs = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx): Cidr[] => {
      try {
        return parseCidrList(v === undefined || v.trim() === '' ? fallback : v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const origins = z
  .string()
  .optional()
  .transform((v, ctx): string[] => {
    if (v === undefined || v.trim() === '') return [];
    const valid: string[] = [];
    for (const o of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      const url = URL.canParse(o) ? new URL(o) : null;
      // Exact origins only: scheme://host[:port], no path, as a browser sends it.
      if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === o.replace(/\/$/, '')) valid.push(url.origin);
      else ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin like https://chat.example.com` });
    }
    return valid;
  });

export const PROXY_SECRET_PLACEHOLDER = 'replace-me-with-openssl-rand-hex-32';
/** The address users reach Galaxy at, e.g. https://chat.example.com (origin only, no path). */
const publicUrl = z
  .string()
  .optional()
  .transform((v, ctx): URL | undefined => {
    if (v === undefined || v.trim() === '') return undefined;
    const url = URL.canParse(v.trim()) ? new URL(v.trim()) : null;
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === v.trim().replace(/\/$/, '')) return url;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a URL like https://chat.example.com (scheme and host, no path)` });
    return z.NEVER;
  });

export const envSchema = z.object({
  // Server
  // Read by main.ts before this parse (a file cannot name itself); listed so it is documented and checked.
  ENV_FILE: text('.env'),
  PORT: int(8000, 0, 65535),
  HOST: text('127.0.0.1'),
  APP_NAME: text('Galaxy Chat'),
  NODE_ENV: text('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  STATIC_DIR: text('static'),
  MAX_URL_CHARS: int(2048, 64, 65_536),
  // Models and prompts
  LLM_CONFIG_FILE: text('config/llms.yml'),
  LLM_BASE_URL: optionalText,
  LLM_API_KEY: optionalText,
  LLM_MODEL_NAME: optionalText,
  DEFAULT_MODEL: optionalText,
  SYSTEM_PROMPT_FILE: text('system_prompt.md'),
  SYSTEM_PROMPT_OVERRIDE: optionalText,
  DISABLE_LLM_CALLS: bool(false),
  LLM_STARTUP_CHECK: bool(true),
  LLM_PING_TIMEOUT_MS: int(5000, 100, 120_000),
  LLM_CONNECT_TIMEOUT_MS: int(30_000, 100, 600_000),
  LLM_MAX_RETRIES: int(1, 0, 5),
  // Identity and the proxy
  TEST_MODE: bool(false),
  // Checked like the proxy's header, so TEST_MODE can never produce an identity the proxy could not.
  TEST_EMAIL: text('test@test.com').transform((v, ctx) => {
    const email = normaliseEmail(v);
    if (email === null) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a single plain e-mail address` });
      return z.NEVER;
    }
    return email;
  }),
  TRUSTED_PROXIES: cidrs('127.0.0.1/32,::1/128'),
  // The .env.example placeholder is public: starting with it would look protected and not be.
  PROXY_SECRET: optionalText.refine((v) => v !== PROXY_SECRET_PLACEHOLDER, {
    message: 'still the .env.example placeholder; set a random value (openssl rand -hex 32)',
  }),
  PROXY_SECRET_HEADER: text('x-proxy-secret').transform((s) => s.toLowerCase()),
  ALLOWED_ORIGINS: origins,
  PUBLIC_URL: publicUrl,
  // WebSocket and abuse limits
  DISABLE_WEBSOCKET: bool(false),
  WS_MAX_FRAME_BYTES: int(64 * 1024, 1024, 16 * 1024 * 1024),
  WS_MAX_BACKPRESSURE_BYTES: int(1024 * 1024, 16 * 1024, 64 * 1024 * 1024),
  WS_IDLE_TIMEOUT_S: int(120, 8, 960),
  WS_MAX_LIFETIME_MIN: int(0, 0, 240),
  WS_HELLO_TIMEOUT_MS: int(10_000, 100, 120_000),
  WS_MAX_CONNECTIONS_PER_USER: int(4, 1, 1000),
  WS_MAX_CONNECTIONS_PER_IP: int(2000, 1, 1_000_000),
  SESSION_TAKEOVER: z.enum(['takeover', 'reject']).optional().default('takeover'),
  MESSAGE_RATE_PER_S: int(5, 1, 1000),
  MESSAGE_BURST: int(20, 1, 10_000),
  RATE_LIMIT_MAX_USERS: int(10_000, 10, 10_000_000),
  MAX_BAD_FRAMES: int(20, 1, 10_000),
  MAX_CONCURRENT_TURNS_PER_USER: int(1, 1, 100),
  MAX_MESSAGE_CHARS: int(32_000, 1, 1_000_000),
  // Turns and streaming
  THINKING_INTERVAL_MS: int(5000, 50, 600_000),
  TURN_TIMEOUT_MS: int(300_000, 1000, 3_600_000),
  STREAM_STALL_MS: int(60_000, 100, 600_000),
  DELTA_FLUSH_MS: int(16, 0, 1000),
  MAX_RESPONSE_CHARS: int(200_000, 1000, 10_000_000),
  MAX_TOOL_ARGS_CHARS: int(100_000, 100, 10_000_000),
  MAX_OUTPUT_TOKENS: int(0, 0, 1_000_000),
  RESUME_GRACE_MS: int(60_000, 0, 3_600_000),
  SESSION_TTL_MS: int(30 * 60_000, 1000, 7 * 24 * 3_600_000),
  SESSION_EVENT_BUFFER_BYTES: int(4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  // Tools
  MAX_TOOL_ROUNDS: int(5, 1, 50),
  TOOL_TIMEOUT_MS: int(30_000, 100, 600_000),
  TOOL_RESULT_MAX_CHARS: int(20_000, 100, 1_000_000),
  CODE_TIMEOUT_MS: int(15_000, 100, 600_000),
  CODE_MEMORY_MB: int(512, 32, 16_384),
  CODE_OUTPUT_MAX_BYTES: int(64 * 1024, 1024, 16 * 1024 * 1024),
  CODE_REQUIRE_NETNS: bool(false),
  CODE_WARM_POOL: int(1, 0, 16),
  SQL_TIMEOUT_MS: int(5000, 100, 600_000),
  SQL_MAX_ROWS: int(200, 1, 100_000),
  SQL_MAX_BYTES: int(256 * 1024, 1024, 64 * 1024 * 1024),
  SQL_MEMORY_MB: int(256, 64, 16_384),
  ACCESS_CONFIG_FILE: text('config/access.yml'),
  // Attachments (docs/configuration.md#attachments)
  ATTACHMENT_MAX_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  ATTACHMENT_MAX_FILES: int(5, 1, 50),
  ATTACHMENT_TYPES: text('text/plain,text/markdown,text/csv,application/json,application/pdf,image/png,image/jpeg,image/gif,image/webp').transform((v) =>
    v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean),
  ),
  ATTACHMENT_PDF_MAX_PAGES: int(50, 1, 5000),
  ATTACHMENT_MAX_TEXT_CHARS: int(100_000, 100, 10_000_000),
  ATTACHMENT_PDF_TIMEOUT_MS: int(20_000, 100, 600_000),
  ATTACHMENT_QUOTA_MB_PER_USER: int(200, 1, 1_000_000),
  // Metrics
  METRICS_TOKEN: optionalText,
  METRICS_PORT: int(0, 0, 65535),
  METRICS_HOST: text('127.0.0.1'),
  // MCP
  MCP_CONFIG_FILE: text('config/mcp.yml'),
  MCP_STDIO_COMMANDS: text('node,npx'),
  MCP_CONNECT_TIMEOUT_MS: int(10_000, 100, 600_000),
  MCP_RECONNECT_MAX_MS: int(30_000, 100, 3_600_000),
  MCP_PING_INTERVAL_MS: int(15_000, 100, 3_600_000),
  MCP_GATEWAY_MAX_BODY_BYTES: int(1024 * 1024, 1024, 64 * 1024 * 1024),
  // Files
  LOGS_DIR: text('logs'),
  LOGS_RETENTION_DAYS: int(0, 0, 36_500),
  LOGS_PRUNE_INTERVAL_MIN: int(60, 1, 7 * 24 * 60),
  DISK_MIN_FREE_MB: int(256, 0, 10_000_000),
  DISK_CHECK_INTERVAL_S: int(30, 1, 3600),
  DATA_DIR: text('data'),
  DATA_SOURCES_FILE: text('config/data-sources.yml'),
  // History, usage and budgets
  DATABASE_URL: text('sqlite:data/galaxy.db').refine((v) => /^sqlite:(\/\/)?./.test(v) || /^postgres(ql)?:\/\/./i.test(v), {
    message: 'must be sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database',
  }),
  // PostgreSQL only: connections per instance (instances × this must fit the server's max_connections).
  DATABASE_POOL_MAX: int(10, 1, 1000),
  DATABASE_CONNECT_TIMEOUT_MS: int(5000, 100, 600_000),
  // SQLite on a worker thread, so its synchronous statements never block the chat's event loop.
  STORE_WORKER: bool(true),
  HISTORY_RETENTION_DAYS: int(0, 0, 36_500),
  HISTORY_ENABLED: bool(true),
  HISTORY_PARTIAL_SAVE_MS: int(2000, 100, 60_000),
  STORE_RESERVATION_TTL_MS: int(15 * 60_000, 1000, 24 * 3_600_000),
  // Several instances
  REDIS_URL: optionalText.refine((v) => v === undefined || /^rediss?:\/\/./.test(v), { message: 'must be redis://… or rediss://…' }),
  REDIS_PRESENCE_TTL_MS: int(30_000, 1000, 3_600_000),
  REDIS_OWNER_TTL_MS: int(10_000, 1000, 600_000),
  REDIS_STREAM_MAX_EVENTS: int(10_000, 100, 1_000_000),
  REDIS_REQUEST_TIMEOUT_MS: int(5_000, 100, 60_000),
  REDIS_LEASE_TTL_MS: int(10_000, 1000, 3_600_000),
  // Tenants
  TENANTS_CONFIG_FILE: text('config/tenants.yml'),
  // Where a SQLite deployment checks and holds budgets: in this process (one process owns the file) or per call in the store.
  BUDGET_LEDGER: z.enum(['process', 'store']).optional().default('process'),
  BUDGET_TIMEZONE: text('UTC').refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone such as UTC or Europe/Berlin' },
  ),
  BUDGET_DEFAULT_OUTPUT_TOKENS: int(4096, 1, 1_000_000),
  TENANT_MEMBERS_QUERY: optionalText,
  TENANT_MEMBERS_REFRESH_S: int(60, 1, 86_400),
});

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, listing every problem at once with its variable's name. */
export function parseEnv(source: Record<string, string | undefined>): Readonly<Env> {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}
