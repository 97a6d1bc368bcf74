import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { Reply } from '../http/reply.js';
import { exportTranscriptText } from '../transcripts/export-text.js';
import { authenticated } from './authenticated.js';

/** JSON and download routes. /health is the only route that answers without identity. */
export function registerApiRoutes(app: TemplatedApp, ctx: AppContext): void {
  app.get('/health', (res) => {
    new Reply(res).json(ctx.shuttingDown ? 503 : 200, {
      status: ctx.shuttingDown ? 'shutting-down' : 'ok',
      uptimeMs: Date.now() - ctx.startedAt,
    });
  });

  app.get(
    '/ready',
    authenticated(ctx, (reply) => {
      const models = ctx.models.list();
      const ready = !ctx.shuttingDown && models.some((m) => m.available);
      reply.json(ready ? 200 : 503, {
        status: ready ? 'ready' : 'not-ready',
        models: ctx.models.readiness(),
        tools: ctx.tools.readiness(),
        mcpServers: ctx.tools.serverStates(),
        websocket: !ctx.env.DISABLE_WEBSOCKET,
        uwsNative: ctx.uwsNative,
        testMode: ctx.env.TEST_MODE,
        llmCallsDisabled: ctx.env.DISABLE_LLM_CALLS,
        sessions: ctx.sessions.size,
      });
    }),
  );

  app.get(
    '/data',
    authenticated(ctx, (reply, _req, identity) => {
      const dataSources = ctx.catalog.list().filter((d) => ctx.policy.canUseDataSource(identity.email, d.id));
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
        if (live) await live.transcript.flush();
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

/** Anything not matched: 404 for identified users, the identity error otherwise. Registered last. */
export function registerCatchAll(app: TemplatedApp, ctx: AppContext): void {
  app.any(
    '/*',
    authenticated(ctx, (reply) => reply.error(new AppError('NOT_FOUND'))),
  );
}
