import type { Env } from '../config/env.js';
import { AppError } from '../errors.js';
import { ipInCidrs } from '../http/cidr.js';
import { originAllowed, resolveIdentity, type Identity } from '../http/identity.js';
import { header, type RequestSnapshot } from '../http/request.js';
import { identitySettings } from '../routers/identity-settings.js';
import type { Lease, LimitCounters, SocketLimits } from '../scale/limits.js';

/** A connection let in, with its place under the connection limits (released when it closes). */
export interface Admitted {
  identity: Identity;
  lease: Lease;
}

/**
 * The one set of rules for who may talk to the chat, whatever carries it: the WebSocket upgrade,
 * the event stream, its frame POSTs, and the connection check the page asks when a handshake fails
 * (a browser cannot read a refused upgrade's body). Each throws the AppError its refusal maps to.
 */
export class Admission {
  private readonly settings;
  private readonly socketLimits: SocketLimits;

  constructor(
    private readonly env: Readonly<Env>,
    private readonly limits: LimitCounters,
    private readonly isShuttingDown: () => boolean,
  ) {
    this.settings = identitySettings(env);
    this.socketLimits = { perUser: env.WS_MAX_CONNECTIONS_PER_USER, perPeer: env.WS_MAX_CONNECTIONS_PER_IP };
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

  /**
   * Would a new connection be let in now: a server not shutting down, and room under the limits
   * (the connection check asks this; nothing is taken). Throws or rejects with the refusal.
   */
  connection(request: RequestSnapshot): Identity | Promise<Identity> {
    const identity = this.opening(request);
    const room = this.limits.hasSocketRoom(identity.email, request.peer, this.socketLimits);
    if (!(room instanceof Promise)) return this.roomOrRefuse(room, identity);
    return room.then((yes) => this.roomOrRefuse(yes, identity));
  }

  /**
   * Lets a new connection in, taking its place under the limits. In one process the answer comes
   * at once (the upgrade stays synchronous); with shared limits it is a promise, and the caller
   * must check that the request was not aborted meanwhile (and give the place back if it was).
   */
  admit(request: RequestSnapshot): Admitted | Promise<Admitted> {
    const identity = this.opening(request);
    const lease = this.limits.acquireSocket(identity.email, request.peer, this.socketLimits);
    if (!(lease instanceof Promise)) return this.leaseOrRefuse(lease, identity);
    return lease.then((held) => this.leaseOrRefuse(held, identity));
  }

  private opening(request: RequestSnapshot): Identity {
    if (this.isShuttingDown()) throw new AppError('SHUTTING_DOWN');
    return this.request(request);
  }

  private roomOrRefuse(room: boolean, identity: Identity): Identity {
    if (!room) throw new AppError('TOO_MANY_CONNECTIONS');
    return identity;
  }

  private leaseOrRefuse(lease: Lease | null, identity: Identity): Admitted {
    if (!lease) throw new AppError('TOO_MANY_CONNECTIONS');
    return { identity, lease };
  }
}
