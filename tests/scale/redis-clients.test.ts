import pino from 'pino';
import { expect, it } from 'vitest';
import { connectRedis } from '../../server/scale/redis-clients.js';
import { freePort } from '../support/nginx.js';
import { describeWithRedis, startRedis } from '../support/redis.js';

const silent = pino({ level: 'silent' });

it('stops with a clear message when Redis cannot be reached', async () => {
  const port = await freePort();
  await expect(connectRedis(`redis://127.0.0.1:${port}`, silent, [{ purpose: 'a' }, { purpose: 'b' }])).rejects.toThrow(/REDIS_URL: cannot connect/);
});

describeWithRedis('redis connections', () => {
  it('opens one connection per part asked for, pipelined where asked', async () => {
    const redis = await startRedis();
    try {
      const [pipelined, plain] = await connectRedis(redis.url, silent, [{ pipelined: true, purpose: 'events' }, { purpose: 'subscriber' }]);
      expect(pipelined!.options.enableAutoPipelining).toBe(true);
      expect(plain!.options.enableAutoPipelining).toBe(false);
      await pipelined!.set('k', 'v');
      expect(await plain!.get('k')).toBe('v');
      await Promise.all([pipelined!.quit(), plain!.quit()]);
    } finally {
      await redis.stop();
    }
  });
});
