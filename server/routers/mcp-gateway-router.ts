import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError, toAppError } from '../errors.js';
import { resolveIdentity } from '../http/identity.js';
import { BASE_HEADERS, Reply } from '../http/reply.js';
import { snapshotRequest, type RequestSnapshot } from '../http/request.js';
import type { GatewayCaller } from '../tools/mcp/gateway-server.js';

/**
 * The MCP server SDK, loaded on the first gateway request: most deployments never receive one, and
 * the SDK's schemas cost ~100 ms of every cold start.
 */
let gatewayModules: Promise<[typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), typeof import('../tools/mcp/gateway-server.js')]> | undefined;
const loadGateway = () => (gatewayModules ??= Promise.all([import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), import('../tools/mcp/gateway-server.js')]));
import { identitySettings } from './identity-settings.js';

/**
 * `/mcp`: Galaxy as a streamable-HTTP MCP server over its own tool registry. Callers are identified
 * exactly like every other route (the proxy's identity header from trusted peers), plus a client
 * token when config/mcp.yml lists gateway clients; both are decided before any body byte is read.
 * The SDK's web-standard transport runs stateless (one server per request) with JSON responses, so
 * nothing outlives the request and uWS only has to move bytes.
 */
export function registerMcpGateway(app: TemplatedApp, ctx: AppContext): void {
  const settings = identitySettings(ctx.env);
  const maxBody = ctx.env.MCP_GATEWAY_MAX_BODY_BYTES;

  const authenticate = (res: HttpResponse, req: HttpRequest): { reply: Reply; request: RequestSnapshot; caller: GatewayCaller } | undefined => {
    const reply = new Reply(res);
    const request = snapshotRequest(res, req);
    try {
      const identity = resolveIdentity(request, settings);
      return { reply, request, caller: { email: identity.email, tenants: ctx.tenants.tenantsOf(identity.email), ...clientOf(request, ctx) } };
    } catch (err) {
      const appErr = toAppError(err, 'BAD_REQUEST');
      ctx.log.warn({ code: appErr.code, peer: request.peer, method: request.method, url: request.url }, 'mcp gateway request refused');
      reply.error(appErr);
      return undefined;
    }
  };

  app.post('/mcp', (res, req) => {
    const authed = authenticate(res, req);
    if (!authed) return;
    const { reply, request, caller } = authed;
    const chunks: Buffer[] = [];
    let size = 0;
    // MUST be attached synchronously: uWS delivers the body only to a handler registered now.
    res.onData((chunk, isLast) => {
      if (reply.done) return;
      size += chunk.byteLength;
      if (size > maxBody) {
        reply.error(new AppError('PAYLOAD_TOO_LARGE'));
        return;
      }
      // NEVER keep `chunk` itself: uWS reuses its memory after this callback returns.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) void answer(reply, request, caller, Buffer.concat(chunks), ctx);
    });
  });

  // Stateless and JSON-only: there is no stream to open with GET and no session to end with DELETE.
  const notOffered = (res: HttpResponse, req: HttpRequest) => {
    const authed = authenticate(res, req);
    authed?.reply.json(405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this gateway is stateless; use POST.' }, id: null }, [['Allow', 'POST']]);
  };
  app.get('/mcp', notOffered);
  app.del('/mcp', notOffered);
}

async function answer(reply: Reply, snapshot: RequestSnapshot, caller: GatewayCaller, body: Buffer, ctx: AppContext): Promise<void> {
  const headers = new Headers();
  for (const [name, values] of snapshot.headers) for (const value of values) headers.append(name, value);
  const text = body.toString('utf8');
  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(text);
  } catch {
    parsedBody = undefined; // The transport answers with the JSON-RPC parse error itself.
  }
  const request = new Request(`http://galaxy.local${snapshot.url}`, { method: 'POST', headers, body: text });
  const [{ WebStandardStreamableHTTPServerTransport }, { createGatewayServer }] = await loadGateway();
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const server = createGatewayServer(caller, { tools: ctx.tools, policy: ctx.policy, catalog: ctx.catalog, tenants: ctx.tenants, redact: (text) => ctx.redactor.redact(text), log: ctx.log });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody });
    const out = Buffer.from(await response.arrayBuffer());
    if (reply.done) return;
    reply.res.cork(() => {
      reply.res.writeStatus(`${response.status} ${response.statusText || 'OK'}`);
      for (const [k, v] of BASE_HEADERS) reply.res.writeHeader(k, v);
      response.headers.forEach((value, name) => reply.res.writeHeader(name, value));
      reply.res.end(out);
    });
  } catch (err) {
    ctx.log.error({ err }, 'mcp gateway request failed');
    reply.error(toAppError(err));
  } finally {
    await server.close().catch(() => {});
  }
}

/** Which configured gateway client sent this; when clients are configured, a valid token is required. */
function clientOf(request: RequestSnapshot, ctx: AppContext): { client?: string } {
  if (ctx.gatewayClients.length === 0) return {};
  const values = request.headers.get('authorization') ?? [];
  const token = values.length === 1 ? /^Bearer\s+(\S+)$/i.exec(values[0]!)?.[1] : undefined;
  const client = token === undefined ? undefined : ctx.gatewayClients.find((c) => sameSecret(c.token, token));
  if (!client) throw new AppError('GATEWAY_TOKEN');
  return { client: client.name };
}

/** Compares digests so neither the content nor the length of a token leaks through timing. */
function sameSecret(expected: string, given: string): boolean {
  return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(given).digest());
}
