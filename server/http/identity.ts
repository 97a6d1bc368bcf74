import { timingSafeEqual, createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { ipInCidrs, type Cidr } from './cidr.js';
import type { RequestSnapshot } from './request.js';

export interface IdentitySettings {
  trustedProxies: readonly Cidr[];
  proxySecret: string | undefined;
  proxySecretHeader: string;
  testMode: boolean;
  testEmail: string;
}

export interface Identity {
  email: string;
  /** True when the identity came from TEST_MODE rather than the proxy. */
  viaTestMode: boolean;
}

export const IDENTITY_HEADER = 'x-email-user';
const MAX_EMAIL_LENGTH = 254;
// ASCII only, one @, a dotted domain: look-alike unicode, lists, spaces and control bytes all fail.
const EMAIL_PATTERN = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function normaliseEmail(value: string): string | null {
  if (value.length === 0 || value.length > MAX_EMAIL_LENGTH) return null;
  if (!EMAIL_PATTERN.test(value)) return null;
  return value.toLowerCase();
}

/** Compares through fixed-length digests so neither content nor length leaks through timing. */
function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Decides who is asking. The identity header is trusted only from a peer inside TRUSTED_PROXIES
 * (the socket address — never X-Forwarded-For), exactly once, well formed, and with the proxy's
 * shared secret when one is configured. uWS lower-cases header names, so every case variant counts
 * toward the duplicate check; variants with other spelling (X_EMAIL_USER) are simply not our header.
 */
export function resolveIdentity(request: RequestSnapshot, settings: IdentitySettings): Identity {
  const values = request.headers.get(IDENTITY_HEADER) ?? [];
  if (values.length > 1) throw new AppError('DUPLICATE_IDENTITY');
  if (values.length === 0) {
    if (settings.testMode) return { email: settings.testEmail, viaTestMode: true };
    throw new AppError('UNAUTHENTICATED');
  }
  if (!ipInCidrs(request.peer, settings.trustedProxies)) throw new AppError('UNTRUSTED_PEER');
  if (settings.proxySecret !== undefined) {
    const given = request.headers.get(settings.proxySecretHeader);
    if (!given || given.length !== 1 || !secretsMatch(given[0]!, settings.proxySecret)) {
      throw new AppError('BAD_PROXY_SECRET');
    }
  }
  const email = normaliseEmail(values[0]!);
  if (email === null) throw new AppError('BAD_IDENTITY');
  return { email, viaTestMode: false };
}

/**
 * Cross-site WebSocket hijacking guard. Browsers always send Origin on a WebSocket upgrade, so a
 * missing Origin means a non-browser client (allowed: it cannot ride a victim's proxy session).
 * Anything else must match exactly: ALLOWED_ORIGINS, or the request's own scheme://host[:port].
 */
export function originAllowed(request: RequestSnapshot, allowedOrigins: readonly string[], trustedPeer: boolean, publicOrigin?: string): boolean {
  const origins = request.headers.get('origin');
  if (!origins) return true;
  if (origins.length !== 1) return false;
  const origin = origins[0]!;
  if (allowedOrigins.includes(origin)) return true;
  // Pinned: the Host header is the attacker's to choose under DNS rebinding, so it is not consulted.
  if (publicOrigin) return origin === publicOrigin;
  const host = request.headers.get('host');
  if (!host || host.length !== 1) return false;
  // The scheme a browser used is only known from the proxy; a forwarded-proto from anyone else is ignored.
  const forwardedProto = trustedPeer ? request.headers.get('x-forwarded-proto')?.[0] : undefined;
  const scheme = forwardedProto === 'https' ? 'https' : 'http';
  return origin === `${scheme}://${host[0]!.toLowerCase()}`;
}
