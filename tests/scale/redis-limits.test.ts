import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisLimits } from '../../server/scale/redis-limits.js';
import { describeWithRedis, startRedis, type TestRedis } from '../support/redis.js';

const silent = pino({ level: 'silent' });

/** The shared limits against a real Redis; two clients stand for two instances. */
describeWithRedis('limits shared through redis', () => {
  let redis: TestRedis;
  const opened: RedisLimits[] = [];
  let admin: Redis;

  const instance = (overrides: Partial<{ ratePerS: number; burst: number; leaseTtlMs: number }> = {}) => {
    const limits = new RedisLimits({
      client: new Redis(redis.url),
      messageRatePerS: overrides.ratePerS ?? 1,
      messageBurst: overrides.burst ?? 5,
      maxUsers: 1000,
      leaseTtlMs: overrides.leaseTtlMs ?? 30_000,
      log: silent,
    });
    opened.push(limits);
    return limits;
  };

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  }, 20_000);
  afterAll(async () => {
    await Promise.all(opened.map((l) => l.close()));
    await admin?.quit();
    await redis?.stop();
  });

  it('shares one message bucket between instances, and the bucket key expires', async () => {
    const [a, b] = [instance(), instance()];
    const verdicts = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).takeMessage('bucket@x')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    const refused = verdicts.find((v) => !v.allowed);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused && !refused.allowed && refused.retryAfterMs).toBeGreaterThan(0);
    const ttl = await admin.pttl('galaxy:rate:bucket@x');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(6000);
  });

  it('grants exactly the places there are when two instances race for them', async () => {
    const [a, b] = [instance(), instance()];
    const attempts = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquireTurn('race@x', 3));
    const leases = await Promise.all(attempts);
    const granted = leases.filter((l) => l !== null);
    expect(granted).toHaveLength(3);
    expect(await admin.zcard('galaxy:turns:race@x')).toBe(3);
    for (const lease of granted) lease!.release();
    await expect.poll(() => admin.zcard('galaxy:turns:race@x')).toBe(0);
    expect(await a.acquireTurn('race@x', 3)).not.toBeNull();
  });

  it('gives back the place of an instance that died holding it after the lease TTL', async () => {
    const dead = instance({ leaseTtlMs: 1000 });
    const alive = instance({ leaseTtlMs: 1000 });
    expect(await dead.acquireTurn('crash@x', 1)).not.toBeNull();
    // The "dead" instance stops renewing and never releases: its client just goes away.
    (dead as unknown as { renewer: NodeJS.Timeout }).renewer.close();
    expect(await alive.acquireTurn('crash@x', 1)).toBeNull();
    await expect.poll(() => alive.acquireTurn('crash@x', 1), { timeout: 3000, interval: 100 }).not.toBeNull();
  });

  it('gives back a chat\'s answer lease from another instance when that chat is taken over', async () => {
    const [dead, survivor] = [instance(), instance()];
    expect(await dead.acquireTurn('moved@x', 1, 's_chat1')).not.toBeNull();
    expect(await survivor.acquireTurn('moved@x', 1, 's_chat2')).toBeNull();
    await survivor.forgetChatTurns('moved@x', 's_other');
    expect(await survivor.acquireTurn('moved@x', 1, 's_chat2')).toBeNull();
    await survivor.forgetChatTurns('moved@x', 's_chat1');
    expect(await survivor.acquireTurn('moved@x', 1, 's_chat2')).not.toBeNull();
  });

  it('keeps a held lease alive past its TTL by renewing it', async () => {
    const holder = instance({ leaseTtlMs: 1000 });
    const other = instance({ leaseTtlMs: 1000 });
    const lease = await holder.acquireTurn('long@x', 1);
    expect(lease).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await other.acquireTurn('long@x', 1)).toBeNull();
    lease!.release();
    await expect.poll(() => other.acquireTurn('long@x', 1)).not.toBeNull();
  });

  it('counts connections per person and per peer across instances, all or nothing', async () => {
    const [a, b] = [instance(), instance()];
    const caps = { perUser: 2, perPeer: 3 };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireSocket('sock@x', '10.9.9.9', caps)));
    expect(results.filter((l) => l !== null)).toHaveLength(2);
    expect(await a.hasSocketRoom('sock@x', '10.9.9.9', caps)).toBe(false);
    expect(await b.hasSocketRoom('someone@x', '10.9.9.9', caps)).toBe(true); // asking takes no place
    expect(await a.acquireSocket('other@x', '10.9.9.9', caps)).not.toBeNull();
    // The peer is full: a third person from it is refused, and nothing is left in their own set.
    expect(await b.acquireSocket('third@x', '10.9.9.9', caps)).toBeNull();
    expect(await admin.zcard('galaxy:sockets:user:third@x')).toBe(0);
  });

  it('falls back to this process\'s counts when Redis cannot be reached', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    unreachable.on('error', () => undefined);
    const limits = new RedisLimits({ client: unreachable, messageRatePerS: 1, messageBurst: 1, maxUsers: 10, leaseTtlMs: 1000, log: silent });
    opened.push(limits);
    expect(await limits.takeMessage('down@x')).toEqual({ allowed: true });
    expect(await limits.takeMessage('down@x')).toMatchObject({ allowed: false });
    const lease = await limits.acquireTurn('down@x', 1);
    expect(lease).not.toBeNull();
    expect(await limits.acquireTurn('down@x', 1)).toBeNull();
  });
});
