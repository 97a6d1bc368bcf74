import type { Env } from '../config/env.js';
import { AppError } from '../errors.js';
import { ipInCidrs } from '../http/cidr.js';
import { originAllowed, resolveIdentity, type Identity } from '../http/identity.js';
import { header, type RequestSnapshot } from '../http/request.js';
import { identitySettings } from '../routers/identity-settings.js';
import type { LiveConnections } from './live-connections.js';

/**
 * The one set of rules for who may talk to the chat, whatever carries it: the WebSocket upgrade,
 * the event stream, its frame POSTs, and the connection check the page asks when a handshake fails
 * (a browser cannot read a refused upgrade's body). Each throws the AppError its refusal maps to.
 */
export class Admission {
  private readonly settings;

  constructor(
    private readonly env: Readonly<Env>,
    private readonly connections: LiveConnections,
    private readonly isShuttingDown: () => boolean,
  ) {
    this.settings = identitySettings(env);
  }

  /** Identity from the trusted proxy, and a request from the chat's own page (or an allowed origin). */
  request(request: RequestSnapshot): Identity {
    const identity = resolveIdentity(request, this.settings);
    const { env } = this;
    if (!originAllowed(request, env.ALLOWED_ORIGINS, ipInCidrs(request.peer, env.TRUSTED_PROXIES), env.PUBLIC_URL?.origin)) throw new AppError('BAD_ORIGIN');
    // Same-origin GETs (the event stream) carry no Origin, and neither does a cross-site <img> or
    // no-cors fetch aimed at the stream to take over someone's chat. Browsers that omit Origin still
    // say where the request came from here; a non-browser client sends neither and is allowed.
    if (!request.headers.has('origin')) {
      const site = header(request, 'sec-fetch-site');
      if (site === 'cross-site' || site === 'same-site') throw new AppError('BAD_ORIGIN');
    }
    return identity;
  }

  /** `request`, plus what opening one more connection needs: a server not shutting down and room under the limits. */
  connection(request: RequestSnapshot): Identity {
    if (this.isShuttingDown()) throw new AppError('SHUTTING_DOWN');
    const identity = this.request(request);
    if (!this.connections.hasRoom(identity.email, request.peer, this.env)) throw new AppError('TOO_MANY_CONNECTIONS');
    return identity;
  }
}
