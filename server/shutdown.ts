import uws, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import type { AppContext } from './app-context.js';
import { CLOSE_CODES } from './protocol/server-events.js';
import type { LiveConnections } from './transport/live-connections.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Graceful shutdown: stop accepting, tell every client, give running turns SHUTDOWN_GRACE_MS to
 * finish, then abort what is left, end every session (which flushes and closes its transcript),
 * stop the tools' processes, and close the sockets.
 */
export async function shutdown(ctx: AppContext, app: TemplatedApp, listenSocket: us_listen_socket, counts: LiveConnections, stopRetention?: () => void): Promise<void> {
  ctx.shuttingDown = true;
  ctx.log.info({ sessions: ctx.sessions.size, sockets: counts.open.size }, 'shutting down');
  uws.us_listen_socket_close(listenSocket);
  const notice = JSON.stringify({ type: 'shutdown', message: 'The server is restarting; your chat will reconnect.', seq: 0 });
  for (const conn of counts.open) conn.send(notice);
  // With other instances, clients reconnect there at once and follow their running answers from
  // the shared log while they finish here (a rolling update loses nothing). Alone, they stay until the end.
  if (ctx.exchange.shared) for (const conn of [...counts.open]) conn.close(CLOSE_CODES.GOING_AWAY, 'server restarting');

  const running = ctx.sessions.all().flatMap((s) => (s.turn ? [s.turn.done] : []));
  if (running.length > 0) {
    await Promise.race([Promise.allSettled(running), sleep(ctx.env.SHUTDOWN_GRACE_MS)]);
  }
  // A turn still running past the grace period is cut by the restart, not by its own timeout.
  await ctx.sessions.endAll('shutdown');
  for (const conn of [...counts.open]) conn.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
  await ctx.tools.stop();
  // After every session ended, so nothing writes to a closed store.
  stopRetention?.();
  await ctx.budgets?.drain();
  await ctx.store.close();
  await ctx.presence.close();
  await ctx.exchange.close();
  await ctx.limits.close();
  // Closes keep-alive HTTP sockets too, so the process can exit.
  (app as TemplatedApp & { close?: () => void }).close?.();
  ctx.log.info('shutdown complete');
}
