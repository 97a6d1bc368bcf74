import uws, { type us_listen_socket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { AccessPolicy } from './access/policy.js';
import type { AppContext } from './app-context.js';
import { parseEnv } from './config/env.js';
import { loadSystemPrompt } from './config/system-prompt.js';
import { Redactor, createLogger } from './logger.js';
import { registerApiRoutes, registerCatchAll } from './routers/api-router.js';
import { registerMcpGateway } from './routers/mcp-gateway-router.js';
import { registerPageRoutes } from './routers/page-router.js';
import { SocketCounts, registerWebSocket } from './routers/ws-router.js';
import { SessionManager } from './sessions/session-manager.js';
import { loadDomain } from './domain.js';
import { shutdown } from './shutdown.js';

export interface StartOptions {
  /** The environment to read settings from (main.ts passes process.env; tests pass their own). */
  env: Record<string, string | undefined>;
  /** Replace the default YAML access policy (design §7). */
  policy?: AccessPolicy;
  logger?: Logger;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly ctx: AppContext;
  /** Graceful shutdown: stop accepting, tell clients, let turns finish within a bound, flush. */
  close(): Promise<void>;
}

/** True when uWebSockets.js loaded its native binary rather than the slow JS fallback. */
export function uwsIsNative(): boolean {
  return String(uws.App).includes('[native code]');
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const env = parseEnv(options.env);
  const log = options.logger ?? createLogger(env.LOG_LEVEL);
  const uwsNative = uwsIsNative();
  const domain = await loadDomain(env, options.env, log, options.policy);
  const redactor = new Redactor([env.PROXY_SECRET, env.LLM_API_KEY, ...domain.models.secrets(), ...domain.mcpSecrets]);
  const systemPrompt = loadSystemPrompt(env.SYSTEM_PROMPT_OVERRIDE, env.SYSTEM_PROMPT_FILE);

  const ctx: AppContext = {
    env,
    systemPrompt: systemPrompt.text,
    log,
    redactor,
    models: domain.models,
    tools: domain.tools,
    catalog: domain.catalog,
    policy: domain.policy,
    gatewayClients: domain.gatewayClients,
    uwsNative,
    startedAt: Date.now(),
    shuttingDown: false,
    sessions: new SessionManager({
      logsDir: env.LOGS_DIR,
      eventBufferBytes: env.SESSION_EVENT_BUFFER_BYTES,
      highWaterMark: Math.floor(env.WS_MAX_BACKPRESSURE_BYTES / 2),
      resumeGraceMs: env.RESUME_GRACE_MS,
      sessionTtlMs: env.SESSION_TTL_MS,
      redactor,
      log,
      onSessionEnded: (session) => domain.tools.disposeSession(session.id),
    }),
  };

  const app = uws.App();
  const counts = new SocketCounts();
  registerApiRoutes(app, ctx);
  registerMcpGateway(app, ctx);
  registerPageRoutes(app, ctx);
  if (!env.DISABLE_WEBSOCKET) registerWebSocket(app, ctx, counts);
  registerCatchAll(app, ctx);

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(env.HOST, env.PORT, (socket) => (socket ? resolve(socket) : reject(new Error(`Cannot listen on ${env.HOST}:${env.PORT}`))));
  });
  const port = uws.us_socket_local_port(listenSocket);
  const url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;

  log.info(
    {
      url,
      uws: uwsNative ? 'native binary' : 'JS FALLBACK (slow)',
      models: ctx.models.list().map((m) => `${m.name}${m.available ? '' : ` (unavailable: ${m.reason})`}`),
      systemPrompt: systemPrompt.source,
      trustedProxies: env.TRUSTED_PROXIES.map((c) => c.text),
    },
    `${env.APP_NAME} listening on ${url}`,
  );
  if (!uwsNative) log.warn('uWebSockets.js is using its JavaScript fallback: performance will be poor');
  if (env.TEST_MODE) {
    log.warn(`TEST_MODE IS ON: requests without a proxy identity are treated as ${env.TEST_EMAIL}. Never use this in production.`);
  }
  if (env.DISABLE_LLM_CALLS) log.warn('DISABLE_LLM_CALLS is set: remote models are not checked at startup');

  // Warm-up work runs after listening, so /health answers at once (cold start budget).
  domain.startBackground(ctx);

  let closing: Promise<void> | null = null;
  return {
    port,
    url,
    ctx,
    close: () => (closing ??= shutdown(ctx, app, listenSocket, counts)),
  };
}
