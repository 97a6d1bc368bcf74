import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { connectRedis } from './redis-clients.js';
import { LocalLimits, type LimitCounters } from './limits.js';

type LimitSettings = Pick<Readonly<Env>, 'REDIS_URL' | 'REDIS_LEASE_TTL_MS' | 'MESSAGE_RATE_PER_S' | 'MESSAGE_BURST' | 'RATE_LIMIT_MAX_USERS'>;

/**
 * The per-person limits for this deployment: counted in one Redis when REDIS_URL is set (several
 * instances), else in this process. Like presence, the Redis client is imported only then, and a
 * Redis that cannot be reached at boot stops the boot with a clear message.
 */
export async function openLimits(env: LimitSettings, log: Logger): Promise<LimitCounters> {
  const rates = { messageRatePerS: env.MESSAGE_RATE_PER_S, messageBurst: env.MESSAGE_BURST, maxUsers: env.RATE_LIMIT_MAX_USERS };
  if (!env.REDIS_URL) return new LocalLimits(rates);
  const { RedisLimits } = await import('./redis-limits.js');
  // A connection of its own: a slow presence refresh must not queue ahead of a frame's rate check.
  const [client] = await connectRedis(env.REDIS_URL, log, [{ purpose: 'limits' }]);
  log.info('rate and concurrency limits shared through redis');
  return new RedisLimits({ client: client!, ...rates, leaseTtlMs: env.REDIS_LEASE_TTL_MS, log });
}
