import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface ClientOptions {
  /** Commands issued in one tick go out in one write (for a stream of small appends). */
  pipelined?: boolean;
  /** Says which user of Redis a connection problem belongs to, in the log. */
  purpose: string;
}

/**
 * Opens Redis connections for one part of the server (presence, limits, live chats): each part
 * has its own, so a slow one never queues ahead of another's commands, and a subscriber (which
 * cannot send commands) is never shared. ioredis is imported only here, only when REDIS_URL is set.
 * A Redis that cannot be reached at boot stops the boot with a clear message.
 */
export async function connectRedis(url: string, log: Logger, options: ClientOptions[]): Promise<Redis[]> {
  const { Redis } = await import('ioredis');
  const clients = options.map(
    ({ pipelined = false }) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, enableAutoPipelining: pipelined }),
  );
  clients.forEach((client, i) => client.on('error', (err: Error) => log.warn({ err: err.message }, `redis connection problem (${options[i]!.purpose})`)));
  try {
    await Promise.all(clients.map((c) => c.connect()));
  } catch (err) {
    for (const c of clients) c.disconnect();
    throw new Error(`REDIS_URL: cannot connect (${(err as Error).message})`);
  }
  return clients;
}
