import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Presence } from './presence.js';

const KEY_PREFIX = 'galaxy:live:';
const CHANNEL = 'galaxy:takeover';

/** Deletes the key only while it still names this connection (a newer claim must survive). */
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisPresenceOptions {
  /** A connection for commands, and a second one that only subscribes (Redis requires it). */
  commands: Redis;
  subscriber: Redis;
  /** A live key outlives a crashed instance by at most this long; live ones are refreshed. */
  ttlMs: number;
  /** Another instance took this person over: close our live connection of theirs, if any. */
  onTakenOver: (user: string) => void;
  /** The people with a live connection here, for refreshing their keys. */
  liveUsers: () => Iterable<string>;
  log: Logger;
}

interface TakeoverNotice {
  user: string;
  instance: string;
}

/**
 * Presence in Redis: `galaxy:live:<user>` names the instance and connection that holds the person
 * (with a TTL refreshed while it lives, so a dead instance cannot hold anyone forever), and every
 * claim is published on `galaxy:takeover` so the previous holder closes its connection with the
 * same event and code as in one process.
 */
export class RedisPresence implements Presence {
  readonly instance = randomBytes(6).toString('hex');
  private readonly refresher: NodeJS.Timeout;
  private readonly mine = new Map<string, string>();

  private constructor(private readonly options: RedisPresenceOptions) {
    this.refresher = setInterval(() => void this.refresh(), Math.max(500, Math.floor(options.ttlMs / 3)));
    this.refresher.unref();
  }

  static async start(options: RedisPresenceOptions): Promise<RedisPresence> {
    const presence = new RedisPresence(options);
    options.subscriber.on('message', (channel: string, text: string) => {
      if (channel === CHANNEL) presence.heard(text);
    });
    await options.subscriber.subscribe(CHANNEL);
    return presence;
  }

  async heldElsewhere(user: string): Promise<boolean> {
    const holder = await this.options.commands.get(KEY_PREFIX + user);
    return holder !== null && !holder.startsWith(`${this.instance}/`);
  }

  async claim(user: string, connectionId: string): Promise<void> {
    const value = `${this.instance}/${connectionId}`;
    this.mine.set(user, value);
    await this.options.commands.set(KEY_PREFIX + user, value, 'PX', this.options.ttlMs);
    await this.options.commands.publish(CHANNEL, JSON.stringify({ user, instance: this.instance } satisfies TakeoverNotice));
  }

  async release(user: string, connectionId: string): Promise<void> {
    const value = `${this.instance}/${connectionId}`;
    if (this.mine.get(user) === value) this.mine.delete(user);
    await this.options.commands.eval(RELEASE_IF_OURS, 1, KEY_PREFIX + user, value);
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    await Promise.allSettled([this.options.subscriber.quit(), this.options.commands.quit()]);
  }

  private heard(text: string): void {
    let notice: TakeoverNotice;
    try {
      notice = JSON.parse(text) as TakeoverNotice;
    } catch {
      return;
    }
    if (typeof notice.user !== 'string' || notice.instance === this.instance) return;
    this.mine.delete(notice.user);
    this.options.onTakenOver(notice.user);
  }

  /** Keeps the keys of people still connected here alive; a failure only shortens their reach. */
  private async refresh(): Promise<void> {
    const live = new Set(this.options.liveUsers());
    for (const [user, value] of this.mine) {
      if (!live.has(user)) continue;
      try {
        await this.options.commands.set(KEY_PREFIX + user, value, 'PX', this.options.ttlMs, 'XX');
      } catch (err) {
        this.options.log.warn({ err }, 'presence refresh failed');
      }
    }
  }
}
