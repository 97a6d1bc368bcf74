import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { connectRedis } from './redis-clients.js';
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
  const { RedisPresence } = await import('./redis-presence.js');
  const [commands, subscriber] = await connectRedis(env.REDIS_URL, log, [{ purpose: 'presence' }, { purpose: 'presence, subscriber' }]);
  const presence = await RedisPresence.start({
    commands: commands!,
    subscriber: subscriber!,
    ttlMs: env.REDIS_PRESENCE_TTL_MS,
    onTakenOver: takeOver,
    liveUsers: () => sessions().liveUsers(),
    log,
  });
  log.info({ instance: presence.instance }, 'presence shared through redis');
  return presence;
}
