import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../errors.js';
import { escapeHtml, type Reply } from '../http/reply.js';
import { header, type RequestSnapshot } from '../http/request.js';
import { EXPLANATION_PAGE_CSP, authenticated, explanationPage } from './authenticated.js';
import { StaticFiles, loadVendor, makeAsset, type Asset } from './static-assets.js';

const HOST_PATTERN = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The WebSocket origins the page may connect to: PUBLIC_URL's when pinned, else the request's Host. */
function socketOrigins(host: string | undefined, publicUrl: URL | undefined): string {
  if (publicUrl) return ` ${publicUrl.protocol === 'https:' ? 'wss' : 'ws'}://${publicUrl.host}`;
  return host && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
}

/** The page's policy: only our own scripts, no inline code or eval, no remote images, no framing. */
export function contentSecurityPolicy(host: string | undefined, publicUrl?: URL): string {
  const wsOrigins = socketOrigins(host, publicUrl);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${wsOrigins}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * Every HTML response carries the page's CSP, whatever URL served it (checklist 40): the header is
 * decided by the content type here, not by each route remembering to add it.
 */
function sendAsset(reply: Reply, request: RequestSnapshot, asset: Asset, cacheControl: string, publicUrl: URL | undefined): void {
  const headers: Array<[string, string]> = [['Cache-Control', cacheControl], ['ETag', asset.etag]];
  if (asset.contentType.startsWith('text/html')) headers.push(['Content-Security-Policy', contentSecurityPolicy(header(request, 'host'), publicUrl)]);
  if (header(request, 'if-none-match') === asset.etag) {
    reply.send(304, '', headers);
    return;
  }
  reply.send(200, asset.body, [['Content-Type', asset.contentType], ...headers]);
}

/** The chat page, its own static files, and the vendored libraries. All behind identity. */
/**
 * The page is one document, kept in several files by responsibility: `<!--#include name.html-->`
 * is replaced by static/partials/name.html when the page is built (at boot, or per request in
 * development). Partials are never served on their own (no .html is, under /static).
 */
export function withPartials(page: string, read: (name: string) => string | undefined): string {
  return page.replace(/^([ \t]*)<!--#include ([\w-]+\.html)-->$/gm, (_line, indent: string, name: string) => {
    const partial = read(name);
    if (partial === undefined) throw new AppError('NOT_FOUND', `The page part ${name} is missing from STATIC_DIR/partials.`);
    return partial.trimEnd().split('\n').map((line) => (line ? indent + line : line)).join('\n');
  });
}

export function registerPageRoutes(app: TemplatedApp, ctx: AppContext): void {
  const files = new StaticFiles(ctx.env.STATIC_DIR, ctx.env.NODE_ENV !== 'development');
  const vendor = loadVendor();
  const publicUrl = ctx.env.PUBLIC_URL;
  let indexAsset: Asset | null = null;
  const index = (): Asset | null => {
    if (indexAsset && ctx.env.NODE_ENV !== 'development') return indexAsset;
    const raw = files.get('index.html');
    if (!raw) return null;
    const page = withPartials(raw.body.toString('utf8'), (name) => files.get(`partials/${name}`)?.body.toString('utf8'));
    indexAsset = makeAsset(Buffer.from(page.replaceAll('__APP_NAME__', escapeHtml(ctx.env.APP_NAME))), 'index.html');
    return indexAsset;
  };

  app.get(
    '/',
    authenticated(ctx, (reply, request, identity) => {
      if (ctx.tenants.tenantsOf(identity.email).length === 0) {
        // Not an empty chat that fails on the first message: say at once why there is none.
        const refusal = new AppError('NO_TENANT');
        ctx.log.warn({ user: identity.email }, 'page refused: the person belongs to no tenant');
        reply.send(refusal.httpStatus, explanationPage(ctx, 'no organisation', `You are signed in as ${identity.email}`, [
          `${escapeHtml(refusal.message)} (<code>${refusal.code}</code>)`,
          `${escapeHtml(ctx.env.APP_NAME)} serves the organisations it is set up for; your address is not a member of any of them yet.`,
        ]), [
          ['Content-Type', 'text/html; charset=utf-8'],
          ['Cache-Control', 'no-store'],
          ['Content-Security-Policy', EXPLANATION_PAGE_CSP],
        ]);
        return;
      }
      const asset = index();
      if (!asset) throw new AppError('NOT_FOUND', 'The page is missing from STATIC_DIR.');
      sendAsset(reply, request, asset, 'no-cache', publicUrl);
    }),
  );

  app.get(
    '/static/*',
    authenticated(ctx, (reply, request) => {
      let path: string;
      try {
        path = decodeURIComponent(request.url.slice('/static/'.length));
      } catch {
        throw new AppError('NOT_FOUND');
      }
      // The page is served only at `/` (templated, with its CSP): never a second, raw copy here.
      const asset = path === 'vendor.js' ? vendor.module : path.endsWith('.html') ? null : files.get(path);
      if (!asset) throw new AppError('NOT_FOUND');
      sendAsset(reply, request, asset, 'no-cache', publicUrl);
    }),
  );

  app.get(
    '/vendor/*',
    authenticated(ctx, (reply, request) => {
      const asset = vendor.files.get(request.url);
      if (!asset) throw new AppError('NOT_FOUND');
      sendAsset(reply, request, asset, 'public, max-age=31536000, immutable', publicUrl);
    }),
  );

  app.get('/favicon.ico', authenticated(ctx, (reply) => reply.send(204, '')));
}
