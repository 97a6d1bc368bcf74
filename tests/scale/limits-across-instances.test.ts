import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textChunk } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { HttpRefusal, openStream } from '../support/sse-client.js';
import { describeWithRedis, startRedis, type TestRedis } from '../support/redis.js';

/** Two Galaxy instances on one real Redis: a person's limits are counted once, across both. */
describeWithRedis('limits across instances', () => {
  let redis: TestRedis;
  let a: Galaxy;
  let b: Galaxy;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      MAX_CONCURRENT_TURNS_PER_USER: '1',
      WS_MAX_CONNECTIONS_PER_USER: '2',
      MESSAGE_BURST: '5',
      MESSAGE_RATE_PER_S: '1',
      // The held answer below ends by itself a little later, giving its place back.
      STREAM_STALL_MS: '1500',
      LLM_MAX_RETRIES: '0',
    };
    [a, b] = await Promise.all([startGalaxy({ env }), startGalaxy({ env })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it('refuses a second answer on the other instance while the first is still being generated', async () => {
    const first = await a.open({ email: 'busy@example.com' });
    a.upstream.enqueue({ steps: [{ chunk: textChunk('thinking hard') }], hang: true });
    first.client.send({ type: 'send', text: 'a long question' });
    await first.client.next('message-start');
    // The same person on the other instance (the first tab is taken over; its answer goes on).
    // A new chat there is what could start a second answer.
    const second = await b.open({ email: 'busy@example.com' });
    second.client.send({ type: 'new-chat' });
    await second.client.next('ready');
    second.client.send({ type: 'send', text: 'and another' });
    const refused = await second.client.next('error');
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: 'You already have an answer being generated in another chat.' });
    expect(b.upstream.requests.filter((r) => r.stream)).toHaveLength(0);
    // Once the held answer ends (its upstream stalls), its place is given back and B answers.
    const watcher = new Redis(redis.url);
    await expect.poll(() => watcher.zcard('galaxy:turns:busy@example.com'), { timeout: 8000, interval: 100 }).toBe(0);
    await watcher.quit();
    second.client.send({ type: 'send', text: 'now?' });
    await second.client.next('message-start');
    expect((await second.client.next('message-end')).incomplete).toBe(false);
    second.client.close();
  });

  it('counts a person\'s connections on both instances against one limit', async () => {
    const held = [await a.connect({ email: 'sockets@example.com' }), await b.connect({ email: 'sockets@example.com' })];
    await expect(a.connect({ email: 'sockets@example.com' })).rejects.toMatchObject({ status: 429 });
    await expect(b.connect({ email: 'sockets@example.com' })).rejects.toMatchObject({ status: 429 });
    held[0]!.close();
    await held[0]!.closed;
    await expect.poll(async () => {
      const again = await b.connect({ email: 'sockets@example.com' }).catch(() => null);
      again?.close();
      return again !== null;
    }, { timeout: 3000, interval: 100 }).toBe(true);
    held[1]!.close();
  });

  it('counts event streams with WebSockets, and the connection check asks the shared count', async () => {
    const email = 'streams@example.com';
    const stream = await openStream(a.httpUrl, { email });
    expect((await stream.next('ready')).user).toBe(email);
    const socket = await b.connect({ email });
    const refused = await openStream(b.httpUrl, { email }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HttpRefusal);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_CONNECTIONS' } } });
    const check = await a.get('/api/connection-check', { 'X-EMAIL-USER': email });
    expect(check.status).toBe(429);
    socket.close();
    await socket.closed;
    await expect.poll(async () => (await a.get('/api/connection-check', { 'X-EMAIL-USER': email })).status, { timeout: 3000, interval: 100 }).toBe(200);
    stream.close();
  });

  it('drains one message bucket per person whichever instance the frames reach', async () => {
    const onA = await a.connect({ email: 'chatty@example.com' });
    const onB = await b.connect({ email: 'chatty@example.com' });
    // Frames before hello are refused, but each still takes a token: 3 on A, then 3 on B (burst 5).
    for (let i = 0; i < 3; i += 1) onA.send({ type: 'stop' });
    for (let i = 0; i < 3; i += 1) expect((await onA.next('error')).code).toBe('HELLO_REQUIRED');
    for (let i = 0; i < 3; i += 1) onB.send({ type: 'stop' });
    const codes = [];
    for (let i = 0; i < 3; i += 1) codes.push((await onB.next('error')).code);
    expect(codes).toEqual(['HELLO_REQUIRED', 'HELLO_REQUIRED', 'RATE_LIMITED']);
    onA.close();
    onB.close();
  });
});
