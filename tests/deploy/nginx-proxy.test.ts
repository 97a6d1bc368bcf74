import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { nginxAvailable, startNginx, type NginxProxy } from '../support/nginx.js';
import { connect } from '../support/ws-client.js';

/**
 * The shipped nginx configuration (deploy/nginx/galaxy.conf.template, the file docs/deployment.md
 * documents) in front of a real Galaxy server: login required, identity only from the proxy, a chat
 * streaming over the WebSocket upgrade on a non-default port. Needs Debian's nginx (.ci/run installs
 * it); under CI=true a missing nginx fails instead of skipping.
 */

const SECRET = 'nginx-test-proxy-secret-7f3a';
const PASSWORD = 'correct horse battery staple';
const hasNginx = nginxAvailable();
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.runIf(!hasNginx && inCi)('nginx in front of Galaxy (CI)', () => {
  it('needs nginx, which .ci/run installs', () => {
    throw new Error('nginx is not on PATH; under CI=true the proxy configuration must be tested, not skipped');
  });
});

describe.skipIf(!hasNginx)('nginx in front of Galaxy', () => {
  let g: Galaxy;
  let proxy: NginxProxy;
  beforeAll(async () => {
    // Galaxy trusts loopback (where nginx connects from) and requires the proxy's secret.
    g = await startGalaxy({ env: { PROXY_SECRET: SECRET, THINKING_INTERVAL_MS: '300' } });
    proxy = await startNginx({ upstream: `127.0.0.1:${g.server.port}`, proxySecret: SECRET, users: { 'alice@example.com': PASSWORD } });
  });
  afterAll(async () => {
    await proxy?.close();
    await g?.close();
  });

  it('requires a login before anything reaches Galaxy', async () => {
    const anonymous = await fetch(`${proxy.url}/`, { headers: { 'X-EMAIL-USER': 'alice@example.com' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="Galaxy Chat"');
    const wrong = await fetch(`${proxy.url}/ready`, { headers: { Authorization: basic('alice@example.com', 'guess') } });
    expect(wrong.status).toBe(401);
    const health = await fetch(`${proxy.url}/health`);
    expect(health.status).toBe(200);
  });

  it('passes the logged-in identity and strips the one a client sends', async () => {
    const ready = await fetch(`${proxy.url}/ready`, { headers: { Authorization: basic('alice@example.com', PASSWORD) } });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', models: expect.any(Array) });

    const client = await connect(`ws://127.0.0.1:${proxy.port}/ws`, {
      email: 'mallory@example.com',
      origin: proxy.url,
      headers: { Authorization: basic('alice@example.com', PASSWORD), 'x-email-user': 'root@example.com' },
    });
    expect((await client.hello()).user).toBe('alice@example.com');
    client.close();
  });

  it('leaves Galaxy refusing the same identity claim sent around the proxy', async () => {
    // Galaxy trusts 127.0.0.1 here, so only the secret tells nginx apart from a local impostor.
    const direct = await g.get('/ready', { 'X-EMAIL-USER': 'alice@example.com' });
    expect(direct.status).toBe(401);
    expect(JSON.parse(direct.text).error.code).toBe('BAD_PROXY_SECRET');
  });

  it('streams a chat over the WebSocket upgrade on a non-default port, with the page origin accepted', async () => {
    expect(proxy.port).not.toBe(80);
    const client = await connect(`ws://127.0.0.1:${proxy.port}/ws`, { email: null, origin: proxy.url, headers: { Authorization: basic('alice@example.com', PASSWORD) } });
    await client.hello();
    g.upstream.enqueue({ steps: answerChunks('Through the proxy, token by token').map((chunk) => ({ chunk, delayMs: 5 })) });
    client.send({ type: 'send', text: 'Hello via nginx' });
    await client.next((e) => e.type === 'user-message' && e.text === 'Hello via nginx');
    const start = await client.next('message-start');
    const end = await client.next('message-end');
    expect(end).toMatchObject({ incomplete: false, finishReason: 'stop' });
    expect(client.textOf(start.id)).toBe('Through the proxy, token by token');
    expect(client.all('delta').length).toBeGreaterThan(1);
    client.close();
  });

  it('does not cut a long answer: silences between tokens pass, and the timeouts outlast a chat', async () => {
    const client = await connect(`ws://127.0.0.1:${proxy.port}/ws`, { email: null, origin: proxy.url, headers: { Authorization: basic('alice@example.com', PASSWORD) } });
    await client.hello();
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const steps = answerChunks(words).map((chunk, i) => ({ chunk, delayMs: i === 200 ? 2500 : 2 }));
    g.upstream.enqueue({ steps });
    client.send({ type: 'send', text: 'A long one' });
    await client.next((e) => e.type === 'user-message' && e.text === 'A long one');
    const start = await client.next('message-start');
    const startedAt = Date.now();
    const end = await client.next('message-end', 30_000);
    expect(end.incomplete).toBe(false);
    expect(client.textOf(start.id)).toBe(words);
    // The answer really had its 2.5 s silence in the middle, and the proxy kept the socket through it.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2400);
    // nginx's default 60 s would end a socket during a slow tool or a quiet chat.
    for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const seconds = Number(new RegExp(`${directive} (\\d+)s;`).exec(proxy.config)?.[1]);
      expect(seconds, directive).toBeGreaterThanOrEqual(3600);
    }
    expect(proxy.config).toContain('proxy_buffering off;');
    client.close();
  }, 40_000);
});
