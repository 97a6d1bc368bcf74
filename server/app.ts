import uws, { type us_listen_socket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { AccessPolicy } from './access/policy.js';
import type { AppContext } from './app-context.js';
import { parseEnv } from './config/env.js';
import { loadSystemPrompt } from './config/system-prompt.js';
import { Redactor, createLogger } from './logger.js';
import { registerApiRoutes, registerCatchAll, registerWebSocketDisabled } from './routers/api-router.js';
import { registerConversationRoutes } from './routers/conversations-router.js';
import { registerAttachmentRoutes } from './routers/attachments-router.js';
import { attachmentLimits } from './attachments/attachment-limits.js';
import { MessageAttachments } from './attachments/message-attachments.js';
import { registerMcpGateway } from './routers/mcp-gateway-router.js';
import { registerPageRoutes } from './routers/page-router.js';
import { registerConnectionCheck } from './routers/connection-check-router.js';
import { registerEventStream } from './routers/event-stream-router.js';
import { registerWebSocket } from './routers/ws-router.js';
import { ChatTransport } from './transport/chat-transport.js';
import { SessionManager } from './sessions/session-manager.js';
import type { Session } from './sessions/session.js';
import { loadDomain, type Domain } from './domain.js';
import { TranscriptSink } from './chat/record-sinks.js';
import { StoreArchive } from './chat/store-archive.js';
import { StoreSink } from './chat/store-sink.js';
import { AppError } from './errors.js';
import { TranscriptWriter, transcriptPath } from './transcripts/transcript-writer.js';
import { shutdown } from './shutdown.js';
import type { Store } from './store/store.js';
import { openStore } from './store/open-store.js';
import { startRetention, systemClock } from './store/retention.js';
import { DiskMonitor } from './housekeeping/disk-space.js';
import { schedulePruning } from './housekeeping/transcript-pruning.js';
import { PROVIDERS } from './llm/llm-config.js';
import { meteredModel } from './metrics/metered.js';
import { budgetLedgerFor } from './tenants/in-process-budget-ledger.js';
import { TenantBudgets } from './tenants/tenant-budgets.js';
import { registerUsageRoutes } from './routers/usage-router.js';
import { openPresence } from './scale/open-presence.js';
import { openExchange } from './scale/open-exchange.js';
import { exchangeAnswers } from './chat/exchange-answers.js';
import { openLimits } from './scale/open-limits.js';
import { takeOver } from './chat/hello.js';
import { PrometheusMetrics } from './metrics/metrics.js';
import { registerMetricsRoute, startMetricsListener } from './metrics/metrics-router.js';
import { MetricsSink } from './metrics/metrics-sink.js';
import { timedStore } from './metrics/timed-store.js';
import { budgetReadings } from './metrics/budget-readings.js';

export interface StartOptions {
  /** The environment to read settings from (main.ts passes process.env; tests pass their own). */
  env: Record<string, string | undefined>;
  /** Replace the default YAML access policy (design §7). */
  policy?: AccessPolicy;
  logger?: Logger;
  /** The budgets' clock (tests move it across a month boundary); the real time otherwise. */
  clock?: () => Date;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly ctx: AppContext;
  /** The METRICS_PORT listener's port, when one was asked for. */
  readonly metricsPort: number | undefined;
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
  // The store (its worker thread) opens while the configuration loads: they do not wait on each other
  // until the SQL membership option reads through the store.
  const opening = openStore(env, log);
  opening.catch(() => undefined); // observed below; this only keeps an early failure from being "unhandled"
  let domain: Domain;
  try {
    domain = await loadDomain(env, options.env, log, { queryMemberships: async (sql) => (await opening).queryMemberships(sql) }, options.policy);
  } catch (err) {
    await opening.then((store) => store.close(), () => undefined);
    throw err;
  }
  let openedStore: Store;
  try {
    openedStore = await opening;
  } catch (err) {
    await domain.tools.stop();
    throw err;
  }
  // The redactor learns every configured secret: model keys, MCP headers, each tenant's credentials.
  const redactor = new Redactor([env.PROXY_SECRET, env.LLM_API_KEY, ...domain.models.secrets(), ...domain.mcpSecrets, ...domain.tenants.secrets()]);
  const systemPrompt = loadSystemPrompt(env.SYSTEM_PROMPT_OVERRIDE, env.SYSTEM_PROMPT_FILE);
  // A failed write is said in the chat it belongs to, never swallowed (the log has the detail).
  const storeFailed = (sessionId: string, err: unknown) => {
    const session = ctx.sessions.live(sessionId);
    const appErr = err instanceof AppError ? err : new AppError('STORE_UNAVAILABLE', 'This chat could not be saved; recent messages may be missing from history.');
    session?.emit({ type: 'error', code: appErr.code, message: appErr.message });
  };
  let liveSessions = () => 0;
  const metrics = new PrometheusMetrics({
    toolNames: domain.tools.names,
    isTool: (name) => domain.tools.names.includes(name),
    providers: PROVIDERS,
    models: domain.models.list().map((m) => m.name),
    tenants: domain.tenants.list().map((t) => t.id),
    liveSessions: () => liveSessions(),
    budgets: () => budgetReadings(budgets, domain.tenants, log),
    mcpServers: () => domain.tools.serverStates(),
  });
  domain.tools.meter(metrics);
  domain.models.decorate((model) => meteredModel(model, metrics));
  // Every write of every caller is timed; server/metrics/timed-store.ts says why this seam.
  const store = timedStore(openedStore, metrics);

  const clock = options.clock ?? (() => new Date());
  // Another instance took a person over: their connection here gets the same takeover as in one process.
  const presence = await openPresence(env, () => ctx.sessions, (user) => {
    const local = ctx.sessions.liveConnection(user);
    if (local) takeOver(local);
  }, log).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const exchange = await openExchange(env, log).catch(async (err: unknown) => {
    await Promise.allSettled([presence.close(), store.close()]);
    throw err;
  });
  const limits = await openLimits(env, log).catch(async (err: unknown) => {
    await Promise.allSettled([presence.close(), exchange.close(), store.close()]);
    throw err;
  });
  const budgetLedger = budgetLedgerFor(env, store, {
    onWriteError: (err, tenant, month) => log.error({ err, tenant, month }, 'a settled budget charge could not be written; it is retried with the next one'),
  });
  const budgets = new TenantBudgets(budgetLedger, domain.tenants, { timeZone: env.BUDGET_TIMEZONE, reservationTtlMs: env.STORE_RESERVATION_TTL_MS, now: clock });

  const ctx: AppContext = {
    env,
    systemPrompt: systemPrompt.text,
    log,
    redactor,
    models: domain.models,
    tools: domain.tools,
    catalog: domain.catalog,
    policy: domain.policy,
    tenants: domain.tenants,
    budgets,
    presence,
    exchange,
    limits,
    store,
    ...(env.HISTORY_ENABLED ? { archive: new StoreArchive(store), attachments: new MessageAttachments(store, attachmentLimits(env)) } : {}),
    gatewayClients: domain.gatewayClients,
    uwsNative,
    disk: new DiskMonitor(
      [
        { name: 'LOGS_DIR', path: env.LOGS_DIR },
        { name: 'DATA_DIR', path: env.DATA_DIR },
      ],
      env.DISK_MIN_FREE_MB,
      log,
    ),
    metrics,
    startedAt: Date.now(),
    shuttingDown: false,
    sessions: new SessionManager({
      sinksFor: (sessionId, owner, _reopened, tenant) => [
        new MetricsSink(metrics, tenant),
        new TranscriptSink(new TranscriptWriter(transcriptPath(env.LOGS_DIR, sessionId), redactor, log)),
        new StoreSink(store, {
          keepMessages: env.HISTORY_ENABLED,
          conversationId: sessionId,
          owner,
          tenant,
          partialSaveMs: env.HISTORY_PARTIAL_SAVE_MS,
          log,
          onWriteError: (err) => storeFailed(sessionId, err),
          now: clock,
        }),
      ],
      eventBufferBytes: env.SESSION_EVENT_BUFFER_BYTES,
      highWaterMark: Math.floor(env.WS_MAX_BACKPRESSURE_BYTES / 2),
      resumeGraceMs: env.RESUME_GRACE_MS,
      sessionTtlMs: env.SESSION_TTL_MS,
      log,
      onSessionEnded: (session) => domain.tools.disposeSession(session.id),
      ...(exchange.shared
        ? { mirrorFor: (id: string) => (seq: number, json: string) => exchange.publish(id, seq, json), afterClose: (session: Session) => exchange.disown(session.id) }
        : {}),
    }),
  };

  liveSessions = () => ctx.sessions.size;

  const app = uws.App();
  const transport = new ChatTransport(ctx);
  exchange.answer(exchangeAnswers(ctx, { find: (id) => transport.eventStreams.get(id), handleFrame: transport.chat.handleFrame.bind(transport.chat) }));
  registerApiRoutes(app, ctx);
  // The sidebar and usage meter read right after an answer ends: the person's pending writes go first.
  const written = (user: string) => Promise.allSettled(ctx.sessions.all().filter((s) => s.owner === user).map((s) => s.flushRecords())).then(() => undefined);
  registerConversationRoutes(app, { store, tenants: ctx.tenants, identity: ctx, log, written });
  registerAttachmentRoutes(app, ctx);
  registerUsageRoutes(app, { store, tenants: ctx.tenants, budgets, identity: ctx, log, written, ...(ctx.attachments ? { attachmentQuotaBytes: ctx.attachments.limits.quotaBytes } : {}) });
  registerMcpGateway(app, ctx);
  registerPageRoutes(app, ctx);
  registerMetricsRoute(app, ctx, metrics);
  registerConnectionCheck(app, ctx, transport);
  // The event stream is always offered: it is how chat works where upgrades are blocked or disabled.
  registerEventStream(app, ctx, transport);
  if (env.DISABLE_WEBSOCKET) registerWebSocketDisabled(app, ctx);
  else registerWebSocket(app, ctx, transport);
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
  if (env.DISABLE_LLM_CALLS) log.warn('DISABLE_LLM_CALLS is set: no request goes to any model provider; remote models are disabled');
  else if (!env.LLM_STARTUP_CHECK) log.warn('LLM_STARTUP_CHECK=false: remote models are not checked at startup');

  // Warm-up work runs after listening, so /health answers at once (cold start budget).
  const metricsListener = env.METRICS_PORT > 0 ? await startMetricsListener(ctx, metrics) : undefined;
  domain.startBackground(ctx);
  const stopRetention = startRetention(store, env.HISTORY_RETENTION_DAYS, systemClock, log);
  void metrics.load().catch((err: unknown) => log.error({ err }, 'metrics failed to load'));
  ctx.disk.start(env.DISK_CHECK_INTERVAL_S * 1000);
  const stopPruning = schedulePruning({
    logsDir: env.LOGS_DIR,
    retentionDays: env.LOGS_RETENTION_DAYS,
    intervalMs: env.LOGS_PRUNE_INTERVAL_MIN * 60_000,
    now: Date.now,
    isLive: (sessionId) => ctx.sessions.all().some((s) => s.id === sessionId),
    log,
  });

  let closing: Promise<void> | null = null;
  return {
    port,
    url,
    ctx,
    metricsPort: metricsListener?.port,
    close: () => {
      ctx.disk.stop();
      metricsListener?.close();
      stopPruning();
      return (closing ??= shutdown(ctx, app, listenSocket, transport.connections, stopRetention));
    },
  };
}
