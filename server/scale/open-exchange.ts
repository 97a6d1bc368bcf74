import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { connectRedis } from './redis-clients.js';
import { LocalExchange, type SessionExchange } from './session-exchange.js';

/**
 * The live-chat exchange for this deployment: Redis when REDIS_URL is set, else local. Chats move
 * between instances through the store, so with history off, or a SQLite file only one instance
 * reads, there is nothing to move them with and each instance keeps its own (as without Redis). The Redis client is imported only when used.
 */
export async function openExchange(
  env: Pick<Readonly<Env>, 'REDIS_URL' | 'DATABASE_URL' | 'HISTORY_ENABLED' | 'REDIS_OWNER_TTL_MS' | 'REDIS_STREAM_MAX_EVENTS' | 'REDIS_REQUEST_TIMEOUT_MS'>,
  log: Logger,
): Promise<SessionExchange> {
  if (!env.REDIS_URL) return new LocalExchange();
  if (!env.HISTORY_ENABLED) {
    log.warn('REDIS_URL is set but HISTORY_ENABLED=false: chats cannot move between instances, a reconnect must reach the same one');
    return new LocalExchange();
  }
  if (!/^postgres(ql)?:/i.test(env.DATABASE_URL)) {
    log.warn('REDIS_URL is set but the store is a SQLite file only this instance reads: chats cannot move between instances (use PostgreSQL)');
    return new LocalExchange();
  }
  const { RedisExchange } = await import('./redis-exchange.js');
  // Auto-pipelining: the events of one tick (a burst of deltas) go to Redis in one write.
  const [commands, subscriber] = await connectRedis(env.REDIS_URL, log, [{ pipelined: true, purpose: 'live chats' }, { purpose: 'live chats, subscriber' }]);
  const exchange = await RedisExchange.start({
    commands: commands!,
    subscriber: subscriber!,
    ownerTtlMs: env.REDIS_OWNER_TTL_MS,
    maxEvents: env.REDIS_STREAM_MAX_EVENTS,
    requestTimeoutMs: env.REDIS_REQUEST_TIMEOUT_MS,
    log,
  });
  log.info({ instance: exchange.instance }, 'live chats shared through redis');
  return exchange;
}
