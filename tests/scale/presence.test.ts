import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { describeWithRedis, startRedis, type TestRedis } from '../support/redis.js';

/** Two Galaxy instances sharing a real Redis: one live connection per person across both. */
describeWithRedis('presence across instances', () => {
  let redis: TestRedis;
  let a: Galaxy;
  let b: Galaxy;
  let rejecting: Galaxy;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b, rejecting] = await Promise.all([
      startGalaxy({ env: { REDIS_URL: redis.url } }),
      startGalaxy({ env: { REDIS_URL: redis.url } }),
      startGalaxy({ env: { REDIS_URL: redis.url, SESSION_TAKEOVER: 'reject' } }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), rejecting?.close()]);
    await redis?.stop();
  });

  it('takes over a tab on the other instance with the same event and close code as in one process', async () => {
    const first = await a.open({ email: 'roam@example.com' });
    const second = await b.open({ email: 'roam@example.com' });
    const takeover = await first.client.next('takeover');
    expect(takeover.message).toMatch(/another tab or window/);
    expect(await first.client.closed).toMatchObject({ code: 4001 });
    // The newer tab keeps working.
    second.client.send({ type: 'send', text: 'still here?' });
    expect((await second.client.next('message-end')).incomplete).toBe(false);
    second.client.ws.close();
  });

  it('refuses a new tab on a rejecting instance while another instance holds the person', async () => {
    const holder = await a.open({ email: 'stay@example.com' });
    const refused = await rejecting.connect({ email: 'stay@example.com' });
    refused.send({ type: 'hello', v: 1 });
    expect((await refused.next('error')).code).toBe('FORBIDDEN');
    expect(await refused.closed).toMatchObject({ code: 4004 });
    holder.client.ws.close();
    await holder.client.closed;
    // Once the holder is gone (its key released), the rejecting instance lets the person in.
    await expect.poll(async () => {
      const again = await rejecting.connect({ email: 'stay@example.com' });
      again.send({ type: 'hello', v: 1 });
      const first = await again.next((e) => e.type === 'ready' || e.type === 'error');
      again.ws.close();
      return first.type;
    }, { timeout: 5000, interval: 100 }).toBe('ready');
  });
});
