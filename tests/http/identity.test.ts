import { describe, expect, it } from 'vitest';
import { ipInCidrs, parseCidrList } from '../../server/http/cidr.js';
import { normaliseEmail, originAllowed, resolveIdentity, type IdentitySettings } from '../../server/http/identity.js';
import type { RequestSnapshot } from '../../server/http/request.js';

const settings: IdentitySettings = {
  trustedProxies: parseCidrList('127.0.0.1/32,::1/128,10.0.0.0/8'),
  proxySecret: undefined,
  proxySecretHeader: 'x-proxy-secret',
  testMode: false,
  testEmail: 'test@test.com',
};

function request(peer: string, headers: Array<[string, string]>): RequestSnapshot {
  const map = new Map<string, string[]>();
  for (const [k, v] of headers) map.set(k, [...(map.get(k) ?? []), v]);
  return { method: 'get', url: '/', query: '', headers: map, peer };
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('CIDR matching', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 peers against the trusted list', () => {
    const cidrs = parseCidrList('127.0.0.1/32,::1/128,10.0.0.0/8');
    expect(ipInCidrs('127.0.0.1', cidrs)).toBe(true);
    expect(ipInCidrs('::ffff:127.0.0.1', cidrs)).toBe(true);
    expect(ipInCidrs('0000:0000:0000:0000:0000:ffff:7f00:0001', cidrs)).toBe(true);
    expect(ipInCidrs('::1', cidrs)).toBe(true);
    expect(ipInCidrs('10.200.3.4', cidrs)).toBe(true);
    expect(ipInCidrs('11.0.0.1', cidrs)).toBe(false);
    expect(ipInCidrs('127.0.0.2', cidrs)).toBe(false);
    expect(ipInCidrs('not-an-ip', cidrs)).toBe(false);
  });

  it('rejects malformed CIDR settings with the offending value named', () => {
    expect(() => parseCidrList('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => parseCidrList('example.com')).toThrow(/example.com/);
  });
});

describe('identity from the trusted proxy header', () => {
  it('accepts one well-formed header from a trusted peer and lower-cases it', () => {
    expect(resolveIdentity(request('127.0.0.1', [['x-email-user', 'Alice@Example.COM']]), settings)).toEqual({ email: 'alice@example.com', viaTestMode: false });
  });

  it('refuses the header from a peer outside TRUSTED_PROXIES, whatever X-Forwarded-For claims', () => {
    const r = request('192.168.1.7', [['x-email-user', 'admin@corp.com'], ['x-forwarded-for', '127.0.0.1'], ['forwarded', 'for=127.0.0.1']]);
    expect(codeOf(() => resolveIdentity(r, settings))).toBe('UNTRUSTED_PEER');
  });

  it('refuses a request carrying the header twice (any case variant counts)', () => {
    const r = request('127.0.0.1', [['x-email-user', 'evil@corp.com'], ['x-email-user', 'alice@example.com']]);
    expect(codeOf(() => resolveIdentity(r, settings))).toBe('DUPLICATE_IDENTITY');
  });

  it('never treats X_EMAIL_USER (underscore) as identity', () => {
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', [['x_email_user', 'admin@corp.com']]), settings))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['empty', ''],
    ['whitespace', '   '],
    ['a list', 'a@b.co, d@e.fg'],
    ['CRLF', 'a@b.co\r\nx: y'],
    ['NUL', 'a@b.co\u0000'],
    ['over 254 bytes', `${'a'.repeat(250)}@b.co`],
    ['unicode look-alike', 'аdmin@example.com'],
    ['no domain', 'admin'],
    ['dotless domain', 'admin@localhost'],
  ])('rejects a malformed value: %s', (_name, value) => {
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', [['x-email-user', value]]), settings))).toBe('BAD_IDENTITY');
  });

  it('requires the proxy secret when configured, compared in constant time', () => {
    const withSecret = { ...settings, proxySecret: 's3cret-value-123' };
    const base: Array<[string, string]> = [['x-email-user', 'alice@example.com']];
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', base), withSecret))).toBe('BAD_PROXY_SECRET');
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', [...base, ['x-proxy-secret', 'wrong']]), withSecret))).toBe('BAD_PROXY_SECRET');
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', [...base, ['x-proxy-secret', 's3cret-value-124']]), withSecret))).toBe('BAD_PROXY_SECRET');
    expect(resolveIdentity(request('127.0.0.1', [...base, ['x-proxy-secret', 's3cret-value-123']]), withSecret).email).toBe('alice@example.com');
  });

  it('uses TEST_EMAIL only when TEST_MODE is on and the header is absent', () => {
    expect(codeOf(() => resolveIdentity(request('127.0.0.1', []), settings))).toBe('UNAUTHENTICATED');
    expect(resolveIdentity(request('127.0.0.1', []), { ...settings, testMode: true })).toEqual({ email: 'test@test.com', viaTestMode: true });
  });

  it('normalises only plain ASCII addresses', () => {
    expect(normaliseEmail('Bob.Smith+chat@Example.com')).toBe('bob.smith+chat@example.com');
    expect(normaliseEmail('bob@exa mple.com')).toBeNull();
  });
});

describe('WebSocket Origin check', () => {
  const host = (origin: string | null, extra: Array<[string, string]> = []) =>
    request('127.0.0.1', [['host', 'galaxy.example:8000'], ...(origin === null ? [] : ([['origin', origin]] as Array<[string, string]>)), ...extra]);

  it('allows the exact same origin and a missing Origin (non-browser client)', () => {
    expect(originAllowed(host('http://galaxy.example:8000'), [], true)).toBe(true);
    expect(originAllowed(host(null), [], true)).toBe(true);
  });

  it.each(['https://evil.example', 'null', 'http://galaxy.example:8000.evil.com', 'https://galaxy.example:8000', 'http://galaxy.example:8001', 'http://GALAXY.EXAMPLE:8000', 'http://galaxy.example'])(
    'refuses %s',
    (origin) => {
      expect(originAllowed(host(origin), [], true)).toBe(false);
    },
  );

  it('takes the scheme from X-Forwarded-Proto only from a trusted proxy', () => {
    expect(originAllowed(host('https://galaxy.example:8000', [['x-forwarded-proto', 'https']]), [], true)).toBe(true);
    expect(originAllowed(host('https://galaxy.example:8000', [['x-forwarded-proto', 'https']]), [], false)).toBe(false);
  });

  it('allows exactly the configured ALLOWED_ORIGINS', () => {
    expect(originAllowed(host('https://chat.example.com'), ['https://chat.example.com'], true)).toBe(true);
    expect(originAllowed(host('https://chat.example.com.evil.io'), ['https://chat.example.com'], true)).toBe(false);
  });
});
