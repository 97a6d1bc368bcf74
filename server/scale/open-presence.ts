import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { LocalPresence, type Presence } from './presence.js';

/**
 * Presence for this deployment: Redis when REDIS_URL is set (several instances), else local. The
 * Redis client is imported only then, so a single instance never loads it. A Redis that cannot be
 * reached at boot stops the boot with a clear message, like an unreachable database.
 */
export async function openPresence(
  env: Pick<Readonly<Env>, 'REDIS_URL' | 'REDIS_PRESENCE_TTL_MS'>,
  sessions: () => SessionManager,
  takeOver: (user: string) => void,
  log: Logger,
): Promise<Presence> {
  if (!env.REDIS_URL) return new LocalPresence();
  const [{ Redis }, { RedisPresence }] = await Promise.all([import('ioredis'), import('./redis-presence.js')]);
  const connect = () => new Redis(env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  const commands = connect();
  const subscriber = connect();
  for (const client of [commands, subscriber]) client.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection problem'));
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (err) {
    commands.disconnect();
    subscriber.disconnect();
    throw new Error(`REDIS_URL: cannot connect (${(err as Error).message})`);
  }
  const presence = await RedisPresence.start({
    commands,
    subscriber,
    ttlMs: env.REDIS_PRESENCE_TTL_MS,
    onTakenOver: takeOver,
    liveUsers: () => sessions().liveUsers(),
    log,
  });
  log.info({ instance: presence.instance }, 'presence shared through redis');
  return presence;
}
