import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError, toAppError } from '../errors.js';
import { resolveIdentity, type Identity } from '../http/identity.js';
import { Reply, escapeHtml } from '../http/reply.js';
import { readBody } from '../http/body.js';
import { snapshotRequest, type RequestSnapshot } from '../http/request.js';
import { identitySettings } from './identity-settings.js';

/** `body` is present when the route was registered with a body limit. */
export type AuthedHandler = (reply: Reply, request: RequestSnapshot, identity: Identity, params: string[], body?: Promise<Buffer>) => void | Promise<void>;

/** A small self-contained HTML page for people the chat cannot serve, explaining why in plain words. */
export function explanationPage(ctx: Pick<AppContext, 'env'>, title: string, heading: string, paragraphs: string[]): string {
  const name = escapeHtml(ctx.env.APP_NAME);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${name} — ${escapeHtml(title)}</title><style>body{background:#0f1115;color:#e6e8ee;font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#1c2029;padding:.1rem .3rem;border-radius:4px}h1{font-size:1.4rem}</style></head>
<body><main><h1>${escapeHtml(heading)}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}</main></body></html>`;
}

/** The page's own inline style is its only resource. */
export const EXPLANATION_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

function unauthenticatedPage(ctx: Pick<AppContext, 'env'>, err: AppError): string {
  const name = escapeHtml(ctx.env.APP_NAME);
  return explanationPage(ctx, 'sign-in needed', `${ctx.env.APP_NAME} could not tell who you are`, [
    `${escapeHtml(err.message)} (<code>${err.code}</code>)`,
    `${name} must be reached through the company's sign-in proxy, which adds your identity to each request. If you followed a bookmark, open the chat through its usual address.`,
    'Developers: start the server with <code>TEST_MODE=true</code> to use <code>TEST_EMAIL</code> without a proxy (never in production).',
  ]);
}

/**
 * Wraps an HTTP handler with the proxy identity check. Every route but /health goes through here.
 * Errors become the stable JSON error body; a browser asking for a page gets a readable HTML page.
 */
export function authenticated(ctx: Pick<AppContext, 'env' | 'log'>, handler: AuthedHandler, paramCount = 0, options: { maxBodyBytes?: number } = {}) {
  const settings = identitySettings(ctx.env);
  return (res: HttpResponse, req: HttpRequest): void => {
    const reply = new Reply(res);
    const request = snapshotRequest(res, req);
    const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? '');
    // From here on, req is gone: only the snapshot is used.
    if (request.url.length + request.query.length > ctx.env.MAX_URL_CHARS) {
      reply.error(new AppError('URL_TOO_LONG'));
      return;
    }
    let identity: Identity;
    try {
      identity = resolveIdentity(request, settings);
    } catch (err) {
      const appErr = toAppError(err, 'BAD_REQUEST');
      ctx.log.warn({ code: appErr.code, peer: request.peer, method: request.method, url: request.url }, 'request refused');
      const wantsHtml = request.headers.get('accept')?.[0]?.includes('text/html');
      if (wantsHtml) {
        reply.send(appErr.httpStatus, unauthenticatedPage(ctx, appErr), [
          ['Content-Type', 'text/html; charset=utf-8'],
          ['Cache-Control', 'no-store'],
          ['Content-Security-Policy', EXPLANATION_PAGE_CSP],
        ]);
      } else {
        reply.error(appErr);
      }
      return;
    }
    // Attached now, synchronously: chunks arriving before the handler's first await must not be lost.
    const body = options.maxBodyBytes === undefined ? undefined : readBody(res, reply, request, options.maxBodyBytes);
    body?.catch(() => {}); // Observed by the handler; this only keeps an unread rejection from being "unhandled".
    Promise.resolve()
      .then(() => handler(reply, request, identity, params, body))
      .catch((err: unknown) => {
        const appErr = toAppError(err);
        if (appErr.code === 'INTERNAL') ctx.log.error({ err, url: request.url }, 'request failed');
        reply.error(appErr);
      });
  };
}
