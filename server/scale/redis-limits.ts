import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LocalLimits, onceLease, type Lease, type LimitCounters, type MessageVerdict, type SocketLimits } from './limits.js';

const KEY_PREFIX = 'galaxy:';

/**
 * Redis's own clock in milliseconds: every instance refills and expires by the same time, whatever
 * its own clock says. Writing after TIME needs scripts replicated by effect (the default since Redis 5).
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * One message from the bucket in hash KEYS[1] (ARGV: rate per second, burst). Refill is computed
 * from the time of the last take; the key expires when the bucket would be full again, which is
 * the same as a fresh one, so expiry loses nothing. Returns {1, 0} or {0, ms until a token}.
 */
const TAKE_MESSAGE = `${NOW}
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, wait}`;

/**
 * A lease in every sorted set of KEYS (member ARGV[1], scored by its expiry, now + ARGV[2] ms) if
 * each set, once its expired leases are dropped, holds fewer than its maximum (ARGV[3..]). All or
 * nothing, in one script: two instances can never both take the last place. Returns 1 or 0.
 */
const ACQUIRE_LEASE = `${NOW}
local ttl = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[1])
  redis.call('PEXPIRE', key, ttl)
end
return 1`;

/**
 * Pushes the expiry of lease ARGV[1] to now + ARGV[2] ms in every set that still holds it (one
 * that expired meanwhile is not brought back: its place may have been given to someone else).
 */
const RENEW_LEASE = `${NOW}
local ttl = tonumber(ARGV[2])
local kept = 0
for _, key in ipairs(KEYS) do
  local expiry = redis.call('ZSCORE', key, ARGV[1])
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', key, now + ttl, ARGV[1])
    redis.call('PEXPIRE', key, ttl)
    kept = kept + 1
  end
end
return kept`;

/** Whether every sorted set of KEYS has fewer live leases than its maximum (ARGV[1..]); takes nothing. */
const HAS_ROOM = `${NOW}
for i, key in ipairs(KEYS) do
  if redis.call('ZCOUNT', key, '(' .. now, '+inf') >= tonumber(ARGV[i]) then return 0 end
end
return 1`;

/** Removes every lease of KEYS[1] whose member starts with ARGV[1] (a chat's answer leases). */
const FORGET_LEASES = `for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(member, 1, string.len(ARGV[1])) == ARGV[1] then redis.call('ZREM', KEYS[1], member) end
end
return 1`;

function socketKeys(user: string, peer: string): string[] {
  return [`${KEY_PREFIX}sockets:user:${user}`, `${KEY_PREFIX}sockets:peer:${peer}`];
}

interface LimitScripts {
  galaxyTakeMessage(key: string, ratePerS: number, burst: number): Promise<[number, number]>;
  galaxyAcquireLease(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  galaxyHasRoom(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  galaxyRenewLease(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  galaxyForgetLeases(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
}

export interface RedisLimitsOptions {
  /** A connection of its own (not presence's): its commands run in the order they are sent. */
  client: Redis;
  messageRatePerS: number;
  messageBurst: number;
  /** Most buckets the local pre-check keeps (RATE_LIMIT_MAX_USERS). */
  maxUsers: number;
  /** A lease outlives an instance that died holding it by at most this; held ones are renewed. */
  leaseTtlMs: number;
  log: Logger;
}

/**
 * The limits of every instance, kept in one Redis: `galaxy:rate:<user>` (the message bucket),
 * `galaxy:turns:<user>` (running answers), `galaxy:sockets:user:<user>` and
 * `galaxy:sockets:peer:<address>` (open connections). Each check-and-take is one Lua script.
 *
 * A frame is first checked against a bucket in this process: the shared bucket is drained by the
 * same frames and more, so a frame the local one refuses would be refused anyway, and a flood is
 * dropped without a round trip each. If Redis cannot be reached the limits fall back to this
 * process's counts (logged) rather than refusing everyone: the chat degrades to one instance's rules.
 */
export class RedisLimits implements LimitCounters {
  /** Leases this instance holds, by id, with their keys: renewed together, released at close. */
  private readonly held = new Map<string, string[]>();
  private readonly local: LocalLimits;
  private readonly renewer: NodeJS.Timeout;
  private readonly scripts: LimitScripts;
  private lastFailureLog = 0;

  constructor(private readonly options: RedisLimitsOptions) {
    this.local = new LocalLimits({ messageRatePerS: options.messageRatePerS, messageBurst: options.messageBurst, maxUsers: options.maxUsers });
    const { client } = options;
    client.defineCommand('galaxyTakeMessage', { numberOfKeys: 1, lua: TAKE_MESSAGE });
    client.defineCommand('galaxyAcquireLease', { lua: ACQUIRE_LEASE });
    client.defineCommand('galaxyRenewLease', { lua: RENEW_LEASE });
    client.defineCommand('galaxyHasRoom', { lua: HAS_ROOM });
    client.defineCommand('galaxyForgetLeases', { lua: FORGET_LEASES });
    this.scripts = client as unknown as LimitScripts;
    this.renewer = setInterval(() => void this.renew(), Math.max(200, Math.floor(options.leaseTtlMs / 3)));
    this.renewer.unref();
  }

  /** Leases held by this instance, for tests. */
  get heldCount(): number {
    return this.held.size;
  }

  takeMessage(user: string): MessageVerdict | Promise<MessageVerdict> {
    const local = this.local.takeMessage(user);
    if (!local.allowed) return local;
    return this.scripts
      .galaxyTakeMessage(`${KEY_PREFIX}rate:${user}`, this.options.messageRatePerS, this.options.messageBurst)
      .then(([allowed, wait]): MessageVerdict => (allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait }))
      .catch((err: unknown): MessageVerdict => {
        this.failed(err);
        return local;
      });
  }

  async acquireTurn(user: string, max: number, chat?: string): Promise<Lease | null> {
    return this.acquire([`${KEY_PREFIX}turns:${user}`], [max], () => this.local.acquireTurnNow(user, max), chat);
  }

  async forgetChatTurns(user: string, chat: string): Promise<void> {
    try {
      await this.scripts.galaxyForgetLeases(1, `${KEY_PREFIX}turns:${user}`, `${chat}~`);
    } catch (err) {
      this.failed(err);
    }
  }

  acquireSocket(user: string, peer: string, limits: SocketLimits): Promise<Lease | null> {
    return this.acquire(socketKeys(user, peer), [limits.perUser, limits.perPeer], () => this.local.acquireSocket(user, peer, limits));
  }

  async hasSocketRoom(user: string, peer: string, limits: SocketLimits): Promise<boolean> {
    try {
      return (await this.scripts.galaxyHasRoom(2, ...socketKeys(user, peer), limits.perUser, limits.perPeer)) === 1;
    } catch (err) {
      this.failed(err);
      return this.local.hasSocketRoom(user, peer, limits);
    }
  }

  /** Gives back every lease this instance holds, then closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.renewer);
    const pipeline = this.options.client.pipeline();
    for (const [id, keys] of this.held) for (const key of keys) pipeline.zrem(key, id);
    this.held.clear();
    await pipeline.exec().catch(() => undefined);
    await this.options.client.quit().catch(() => undefined);
  }

  private async acquire(keys: string[], maxima: number[], fallback: () => Lease | null, tag?: string): Promise<Lease | null> {
    // A tagged lease (an answer's, tagged with its chat) can be given back by another instance.
    const id = `${tag ? `${tag}~` : ''}${randomBytes(9).toString('base64url')}`;
    let granted: number;
    try {
      granted = await this.scripts.galaxyAcquireLease(keys.length, ...keys, id, this.options.leaseTtlMs, ...maxima);
    } catch (err) {
      this.failed(err);
      return fallback();
    }
    if (granted !== 1) return null;
    this.held.set(id, keys);
    return onceLease(() => {
      this.held.delete(id);
      const pipeline = this.options.client.pipeline();
      for (const key of keys) pipeline.zrem(key, id);
      // A release that fails leaves the lease to expire: the place comes back within the TTL.
      pipeline.exec().catch((err: unknown) => this.failed(err));
    });
  }

  /** Renews every held lease; one that failed to renew still expires on its own, nothing worse. */
  private async renew(): Promise<void> {
    for (const [id, keys] of this.held) {
      try {
        const kept = await this.scripts.galaxyRenewLease(keys.length, ...keys, id, this.options.leaseTtlMs);
        if (kept < keys.length) this.options.log.warn({ keys }, 'a limit lease expired before it was renewed');
      } catch (err) {
        this.failed(err);
        return;
      }
    }
  }

  /** Logs a Redis failure at most once a second: under an outage every frame would log. */
  private failed(err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 1000) return;
    this.lastFailureLog = now;
    this.options.log.warn({ err: (err as Error).message }, 'shared limits unreachable; counting in this process');
  }
}
