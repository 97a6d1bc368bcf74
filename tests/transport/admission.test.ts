import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/config/env.js';
import type { RequestSnapshot } from '../../server/http/request.js';
import type { Connection } from '../../server/sessions/connection.js';
import { Admission } from '../../server/transport/admission.js';
import { LiveConnections } from '../../server/transport/live-connections.js';

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
  const connections = new LiveConnections();
  let shuttingDown = false;
  const admission = new Admission(parseEnv({ WS_MAX_CONNECTIONS_PER_USER: '1', ...env }), connections, () => shuttingDown);
  return { admission, connections, shutDown: () => (shuttingDown = true) };
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
    expect(admission.connection(request(ann)).email).toBe('ann@example.com');
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
    const { admission, connections } = setup();
    const open = { id: 'c_1', user: 'ann@example.com' } as Connection;
    connections.add(open, '127.0.0.1');
    expect(codeOf(() => admission.connection(request(ann)))).toBe('TOO_MANY_CONNECTIONS');
    expect(codeOf(() => admission.request(request(ann)))).toBe('admitted');
    connections.remove(open, '127.0.0.1');
    expect(connections.byUser.size).toBe(0);
    expect(codeOf(() => admission.connection(request(ann)))).toBe('admitted');
  });

  it('refuses new connections while shutting down', () => {
    const { admission, shutDown } = setup();
    shutDown();
    expect(codeOf(() => admission.connection(request(ann)))).toBe('SHUTTING_DOWN');
  });
});
