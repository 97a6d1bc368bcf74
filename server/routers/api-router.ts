import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { IDENTITY_HEADER } from '../http/identity.js';
import { Reply } from '../http/reply.js';
import { exportTranscriptText } from '../transcripts/export-text.js';
import { authenticated } from './authenticated.js';
import { readinessReport } from './readiness.js';

/** JSON and download routes. /health and /ready answer without identity (probes); everything else needs it. */
export function registerApiRoutes(app: TemplatedApp, ctx: AppContext): void {
  app.get('/health', (res) => {
    new Reply(res).json(ctx.shuttingDown ? 503 : 200, {
      status: ctx.shuttingDown ? 'shutting-down' : 'ok',
      uptimeMs: Date.now() - ctx.startedAt,
    });
  });

  // Kubelet probes and load balancers carry no identity, so a request without the identity header
  // gets the verdict (same status code) and short reasons; the details (model errors, tool isolation)
  // need a valid proxy identity like every other route. A request that does send the header is
  // checked as usual, so a bad or untrusted identity is refused here too.
  const readyWithIdentity = authenticated(ctx, (reply) => {
    const report = readinessReport(ctx);
    reply.json(report.ready ? 200 : 503, report.details);
  });
  app.get('/ready', (res, req) => {
    if (req.getHeader(IDENTITY_HEADER) !== '' || ctx.env.TEST_MODE) {
      readyWithIdentity(res, req);
      return;
    }
    const report = readinessReport(ctx);
    new Reply(res).json(report.ready ? 200 : 503, { status: report.details.status, problems: report.problems });
  });

  app.get(
    '/data',
    authenticated(ctx, (reply, _req, identity) => {
      // Every data source the person may use in a chat for any of their tenants.
      const tenants = ctx.tenants.tenantsOf(identity.email);
      const dataSources = ctx.catalog.list().filter((d) => tenants.some((tenant) => ctx.policy.canUseDataSource({ user: identity.email, tenant }, d.id)));
      reply.json(200, { dataSources });
    }),
  );

  app.get(
    '/api/sessions/:id/export.txt',
    authenticated(
      ctx,
      async (reply, _req, identity, [sessionId = '']) => {
        // Everything written so far must be in the file before we read it.
        const live = ctx.sessions.get(sessionId, identity.email);
        if (live) await live.flushRecords();
        const text = await exportTranscriptText(ctx.env.LOGS_DIR, sessionId, identity.email, ctx.env.APP_NAME);
        if (reply.aborted) return;
        reply.send(200, text, [
          ['Content-Type', 'text/plain; charset=utf-8'],
          ['Content-Disposition', `attachment; filename="galaxy-chat-${sessionId}.txt"`],
          ['Cache-Control', 'no-store'],
        ]);
      },
      1,
    ),
  );
}

/**
 * DISABLE_WEBSOCKET: /ws answers every request, upgrades included, with 503 WEBSOCKET_DISABLED, so a
 * browser's handshake fails and the page can fetch /ws to learn why and say so instead of retrying.
 */
export function registerWebSocketDisabled(app: TemplatedApp, ctx: AppContext): void {
  app.any(
    '/ws',
    authenticated(ctx, (reply) => reply.error(new AppError('WEBSOCKET_DISABLED'))),
  );
}

/** Anything not matched: 404 for identified users, the identity error otherwise. Registered last. */
export function registerCatchAll(app: TemplatedApp, ctx: AppContext): void {
  app.any(
    '/*',
    authenticated(ctx, (reply) => reply.error(new AppError('NOT_FOUND'))),
  );
}
