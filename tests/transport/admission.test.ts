import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/config/env.js';
import type { RequestSnapshot } from '../../server/http/request.js';
import { LocalLimits } from '../../server/scale/limits.js';
import { Admission, type Admitted } from '../../server/transport/admission.js';

function request(headers: Record<string, string>, peer = '127.0.0.1'): RequestSnapshot {
  return {
    method: 'get',
    url: '/sse',
    query: '',
    headers: new Map(Object.entries({ host: 'chat.local:8080', ...headers }).map(([k, v]) => [k.toLowerCase(), [v]])),
    peer,
  };
}

function setup(env: Record<string, string> = {}) {
  const limits = new LocalLimits({ messageRatePerS: 1, messageBurst: 1, maxUsers: 10 });
  let shuttingDown = false;
  const admission = new Admission(parseEnv({ WS_MAX_CONNECTIONS_PER_USER: '1', ...env }), limits, () => shuttingDown);
  return { admission, limits, shutDown: () => (shuttingDown = true) };
}

const ann = { 'x-email-user': 'Ann@Example.com' };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'admitted';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('Admission', () => {
  it('admits the page\'s own origin and a client that sends no Origin, with the normalised identity', () => {
    const { admission } = setup();
    expect(admission.connection(request({ ...ann, origin: 'http://chat.local:8080' }))).toEqual({ email: 'ann@example.com', viaTestMode: false });
    expect((admission.connection(request(ann)) as { email: string }).email).toBe('ann@example.com');
  });

  it('refuses a foreign Origin, and a cross-site request that hides its Origin', () => {
    const { admission } = setup();
    expect(codeOf(() => admission.request(request({ ...ann, origin: 'https://evil.example' })))).toBe('BAD_ORIGIN');
    expect(codeOf(() => admission.request(request({ ...ann, 'sec-fetch-site': 'cross-site' })))).toBe('BAD_ORIGIN');
    expect(codeOf(() => admission.request(request({ ...ann, 'sec-fetch-site': 'same-site' })))).toBe('BAD_ORIGIN');
    expect(codeOf(() => admission.request(request({ ...ann, 'sec-fetch-site': 'same-origin' })))).toBe('admitted');
  });

  it('refuses identity from an untrusted peer and a request with none', () => {
    const { admission } = setup();
    expect(codeOf(() => admission.request(request(ann, '10.1.2.3')))).toBe('UNTRUSTED_PEER');
    expect(codeOf(() => admission.request(request({})))).toBe('UNAUTHENTICATED');
  });

  it('refuses a new connection over the per-user limit, but not a frame on an existing one', () => {
    const { admission, limits } = setup();
    expect(codeOf(() => admission.connection(request(ann)))).toBe('admitted'); // asking takes no place
    const open = admission.admit(request(ann)) as Admitted;
    expect(open.identity.email).toBe('ann@example.com');
    expect(codeOf(() => admission.connection(request(ann)))).toBe('TOO_MANY_CONNECTIONS');
    expect(codeOf(() => admission.admit(request(ann)))).toBe('TOO_MANY_CONNECTIONS');
    expect(codeOf(() => admission.request(request(ann)))).toBe('admitted');
    open.lease.release();
    expect(limits.heldKeys).toBe(0);
    expect(codeOf(() => admission.admit(request(ann)))).toBe('admitted');
  });

  it('refuses a new connection over the per-address limit whoever asks', () => {
    const { admission } = setup({ WS_MAX_CONNECTIONS_PER_IP: '1' });
    expect(codeOf(() => admission.admit(request(ann)))).toBe('admitted');
    expect(codeOf(() => admission.admit(request({ 'x-email-user': 'bob@example.com' })))).toBe('TOO_MANY_CONNECTIONS');
  });

  it('refuses new connections while shutting down', () => {
    const { admission, shutDown } = setup();
    shutDown();
    expect(codeOf(() => admission.connection(request(ann)))).toBe('SHUTTING_DOWN');
  });
});
