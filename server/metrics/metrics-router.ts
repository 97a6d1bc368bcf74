import { createHash, timingSafeEqual } from 'node:crypto';
import uws, { type HttpRequest, type HttpResponse, type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { ipInCidrs } from '../http/cidr.js';
import { IDENTITY_HEADER } from '../http/identity.js';
import { Reply } from '../http/reply.js';
import type { PrometheusMetrics } from './metrics.js';

/**
 * GET /metrics in Prometheus text format. On the main port it answers a request with
 * `Authorization: Bearer <METRICS_TOKEN>`, or one from a TRUSTED_PROXIES peer that carries no
 * X-EMAIL-USER (a scraper next to Galaxy, not a person coming through the proxy, which always
 * adds one). With METRICS_PORT, a second listener on METRICS_HOST serves only /metrics, to anyone
 * who can reach it: keep that port private (pod network, loopback).
 */

function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given?.startsWith('Bearer ')) return false;
  const a = createHash('sha256').update(given.slice('Bearer '.length)).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function serve(res: HttpResponse, metrics: PrometheusMetrics): void {
  const reply = new Reply(res);
  metrics
    .render()
    .then(({ contentType, text }) => reply.send(200, text, [['Content-Type', contentType], ['Cache-Control', 'no-store']]))
    .catch(() => reply.error(new AppError('INTERNAL')));
}

export function registerMetricsRoute(app: TemplatedApp, ctx: AppContext, metrics: PrometheusMetrics): void {
  app.get('/metrics', (res: HttpResponse, req: HttpRequest) => {
    const authorization = req.getHeader('authorization') || undefined;
    const hasIdentity = req.getHeader(IDENTITY_HEADER) !== '';
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    const token = ctx.env.METRICS_TOKEN;
    if (token !== undefined && tokenMatches(authorization, token)) return serve(res, metrics);
    if (authorization === undefined && !hasIdentity && ipInCidrs(peer, ctx.env.TRUSTED_PROXIES)) return serve(res, metrics);
    ctx.log.warn({ peer, withToken: authorization !== undefined }, 'metrics request refused');
    new Reply(res).error(new AppError(authorization !== undefined ? 'UNAUTHENTICATED' : 'FORBIDDEN', 'Metrics are for the monitoring system only.'));
  });
}

/** The METRICS_PORT listener; resolves with a function that closes it. */
export async function startMetricsListener(ctx: AppContext, metrics: PrometheusMetrics): Promise<{ port: number; close: () => void }> {
  const app = uws.App();
  app.get('/metrics', (res) => serve(res, metrics));
  app.any('/*', (res) => new Reply(res).error(new AppError('NOT_FOUND')));
  const socket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(ctx.env.METRICS_HOST, ctx.env.METRICS_PORT, (s) => (s ? resolve(s) : reject(new Error(`Cannot listen on ${ctx.env.METRICS_HOST}:${ctx.env.METRICS_PORT} (METRICS_PORT)`))));
  });
  return {
    port: uws.us_socket_local_port(socket),
    close: () => {
      uws.us_listen_socket_close(socket);
      (app as TemplatedApp & { close?: () => void }).close?.();
    },
  };
}
