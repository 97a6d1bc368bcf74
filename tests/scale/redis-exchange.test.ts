import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisExchange, SEQS_PER_INCARNATION } from '../../server/scale/redis-exchange.js';
import { describeWithRedis, startRedis, type TestRedis } from '../support/redis.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The live-chat exchange against a real Redis; each RedisExchange stands for one instance. */
describeWithRedis('chats shared through redis', () => {
  let redis: TestRedis;
  const opened: RedisExchange[] = [];

  const instance = async (ownerTtlMs = 30_000, maxEvents = 10_000) => {
    const exchange = await RedisExchange.start({
      commands: new Redis(redis.url, { enableAutoPipelining: true }),
      subscriber: new Redis(redis.url),
      ownerTtlMs,
      maxEvents,
      requestTimeoutMs: 500,
      log: silent,
    });
    opened.push(exchange);
    return exchange;
  };

  beforeAll(async () => {
    redis = await startRedis();
  }, 20_000);
  afterAll(async () => {
    await Promise.all(opened.map((e) => e.close()));
    await redis?.stop();
  });

  it('names the owner to other instances only, and a reopened chat counts above every earlier seq', async () => {
    const [a, b] = [await instance(), await instance()];
    expect(await a.claim('s_one', 'ann@x', false)).toBe(0);
    expect(await a.ownerElsewhere('s_one')).toBeUndefined();
    expect(await b.ownerElsewhere('s_one')).toMatchObject({ instance: a.instance, user: 'ann@x' });
    await a.disown('s_one');
    expect(await b.ownerElsewhere('s_one')).toBeUndefined();
    expect(await b.claim('s_one', 'ann@x', true)).toBe(SEQS_PER_INCARNATION);
    expect(await a.claim('s_one', 'ann@x', true)).toBe(2 * SEQS_PER_INCARNATION);
  });

  it('reads every event after a seq exactly once, waits for new ones, and knows what the stream still covers', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.claim('s_two', 'bob@x', false);
    for (let seq = 1; seq <= 5; seq++) a.publish('s_two', seq, JSON.stringify({ type: 'delta', text: `t${seq}`, seq }));
    const owner = (await b.ownerElsewhere('s_two'))!;
    const reader = b.reader(owner);
    try {
      expect(await reader.covers(2)).toBe(true);
      expect(await reader.covers(5)).toBe(true);
      expect(await reader.covers(6)).toBe(false); // from another incarnation: a snapshot is needed
      expect((await reader.next(2, 100)).map((e) => e.seq)).toEqual([3, 4, 5]);
      const waiting = reader.next(5, 2000);
      await sleep(50);
      a.publish('s_two', 6, JSON.stringify({ type: 'delta', text: 't6', seq: 6 }));
      expect(await waiting).toEqual([{ seq: 6, json: JSON.stringify({ type: 'delta', text: 't6', seq: 6 }) }]);
      expect(await reader.next(6, 50)).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it('trims a long stream, and a reader from before the kept part is told it is not covered', async () => {
    const [a, b] = [await instance(30_000, 100), await instance()];
    await a.claim('s_three', 'cy@x', false);
    for (let seq = 1; seq <= 1000; seq++) a.publish('s_three', seq, `{"seq":${seq}}`);
    await sleep(100);
    const reader = b.reader((await b.ownerElsewhere('s_three'))!);
    expect(await reader.covers(1)).toBe(false);
    expect(await reader.covers(990)).toBe(true);
    reader.close();
  });

  it('answers another instance, and says at once when an instance is gone', async () => {
    const [a, b] = [await instance(), await instance()];
    a.answer(async (request) => ({ ok: request.op === 'stop' }));
    expect(await b.ask(a.instance, { op: 'stop', sessionId: 's', user: 'u', reason: 'stopped' })).toEqual({ ok: true });
    expect(await b.ask(a.instance, { op: 'release', sessionId: 's', user: 'u' })).toEqual({ ok: false });
    expect(await b.ask('no-such-instance', { op: 'release', sessionId: 's', user: 'u' })).toEqual({ ok: false, gone: true });
  });

  it("lets a dead instance's owner key expire, and keeps a live one's refreshed", async () => {
    const [dying, living, observer] = [await instance(600), await instance(600), await instance()];
    await dying.claim('s_dead', 'dee@x', false);
    await living.claim('s_alive', 'liv@x', false);
    // "Dies": stops refreshing without letting go.
    clearInterval((dying as unknown as { refresher: NodeJS.Timeout }).refresher);
    await sleep(1000);
    expect(await observer.ownerElsewhere('s_dead')).toBeUndefined();
    expect(await observer.ownerElsewhere('s_alive')).toMatchObject({ instance: living.instance });
  });

  it('remembers the chat a person is in across instances', async () => {
    const [a, b] = [await instance(), await instance()];
    a.setCurrent('eve@x', 's_eve');
    await sleep(50);
    expect(await b.current('eve@x')).toBe('s_eve');
    expect(await b.current('nobody@x')).toBeUndefined();
  });
});
