import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ExchangeRpc } from './exchange-rpc.js';
import type { ChatOwner, ExchangeHandler, ExchangeReply, ExchangeRequest, SessionExchange, SharedEvent, SharedReader } from './session-exchange.js';

const OWNER = 'galaxy:owner:';
const INCARNATION = 'galaxy:incarnation:';
const CURRENT = 'galaxy:current:';
/** Seqs of one incarnation of a chat stay below the next one's base. */
export const SEQS_PER_INCARNATION = 1_000_000_000;
/** A finished incarnation's stream stays readable this long, for a relay that is still catching up. */
const STREAM_LINGER_MS = 120_000;
const INCARNATION_KEEP_S = 30 * 86_400;
const CURRENT_KEEP_S = 86_400;

/** Refreshes (or deletes) a key only while it still names this owner: a newer claim must survive. */
const REFRESH_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const DELETE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisExchangeOptions {
  commands: Redis;
  subscriber: Redis;
  /** An owner key outlives a crashed instance by at most this long (refreshed every third). */
  ownerTtlMs: number;
  /** Events kept per chat stream (older ones are trimmed; a reader that needs them gets a snapshot). */
  maxEvents: number;
  requestTimeoutMs: number;
  log: Logger;
}

interface Owned {
  owner: ChatOwner;
  value: string;
}

function seqOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function eventsOf(entries: Array<[string, string[]]>): SharedEvent[] {
  return entries.map(([id, fields]) => ({ seq: seqOf(id), json: fields[1] ?? '' }));
}

/**
 * Live chats shared through Redis. Each chat run here has `galaxy:owner:<id>` naming this instance
 * and the stream of this incarnation (`galaxy:events:<id>:<n>`, entry ids `<seq>-0`, so a reader
 * asks for "after my seq" directly). Every event is appended there as it is sent; commands are
 * auto-pipelined, so a burst of deltas costs one round trip.
 */
export class RedisExchange implements SessionExchange {
  readonly shared = true;
  readonly instance = randomBytes(6).toString('hex');
  private readonly owned = new Map<string, Owned>();
  private readonly refresher: NodeJS.Timeout;
  private readonly rpc: ExchangeRpc;
  private publishFailures = 0;

  private constructor(private readonly options: RedisExchangeOptions) {
    this.rpc = new ExchangeRpc(this.instance, options.commands, options.subscriber, options.requestTimeoutMs, options.log);
    this.refresher = setInterval(() => void this.refresh(), Math.max(250, Math.floor(options.ownerTtlMs / 3)));
    this.refresher.unref();
  }

  static async start(options: RedisExchangeOptions): Promise<RedisExchange> {
    const exchange = new RedisExchange(options);
    await exchange.rpc.start();
    return exchange;
  }

  async claim(sessionId: string, user: string, reopened: boolean): Promise<number> {
    const { commands, ownerTtlMs } = this.options;
    let incarnation = 0;
    if (reopened) {
      incarnation = await commands.incr(INCARNATION + sessionId);
      await commands.expire(INCARNATION + sessionId, INCARNATION_KEEP_S);
    }
    const owner: ChatOwner = { instance: this.instance, user, stream: `galaxy:events:${sessionId}:${incarnation}` };
    const value = JSON.stringify(owner);
    this.owned.set(sessionId, { owner, value });
    await commands.set(OWNER + sessionId, value, 'PX', ownerTtlMs);
    return incarnation * SEQS_PER_INCARNATION;
  }

  async disown(sessionId: string): Promise<void> {
    const owned = this.owned.get(sessionId);
    if (!owned) return;
    this.owned.delete(sessionId);
    const { commands } = this.options;
    await commands.eval(DELETE_IF_OURS, 1, OWNER + sessionId, owned.value);
    await commands.pexpire(owned.owner.stream, STREAM_LINGER_MS);
  }

  async ownerElsewhere(sessionId: string): Promise<ChatOwner | undefined> {
    const text = await this.options.commands.get(OWNER + sessionId);
    if (!text) return undefined;
    try {
      const owner = JSON.parse(text) as ChatOwner;
      return owner.instance === this.instance ? undefined : owner;
    } catch {
      return undefined;
    }
  }

  publish(sessionId: string, seq: number, json: string): void {
    const owned = this.owned.get(sessionId);
    if (!owned) return;
    this.options.commands.xadd(owned.owner.stream, 'MAXLEN', '~', this.options.maxEvents, `${seq}-0`, 'e', json).catch((err: unknown) => {
      // Said once per burst: a Redis outage must not flood the log with one line per token.
      if (this.publishFailures++ % 1000 === 0) this.options.log.warn({ err, sessionId }, 'event not shared through redis; a reader on another instance may need a snapshot');
    });
  }

  reader(owner: ChatOwner): SharedReader {
    const connection = this.options.commands.duplicate({ enableAutoPipelining: false, lazyConnect: false });
    connection.on('error', () => undefined); // reported by the reads that fail
    return {
      async next(afterSeq: number, waitMs: number): Promise<SharedEvent[]> {
        const result = (await connection.xread('COUNT', 512, 'BLOCK', Math.max(1, waitMs), 'STREAMS', owner.stream, `${afterSeq}-0`)) as Array<[string, Array<[string, string[]]>]> | null;
        return result?.[0] ? eventsOf(result[0][1]) : [];
      },
      async covers(afterSeq: number): Promise<boolean> {
        const [first] = (await connection.xrange(owner.stream, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
        const [last] = (await connection.xrevrange(owner.stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
        if (!first || !last) return false;
        return seqOf(first[0]) <= afterSeq + 1 && afterSeq <= seqOf(last[0]);
      },
      close(): void {
        connection.disconnect();
      },
    };
  }

  ask(instance: string, request: ExchangeRequest): Promise<ExchangeReply | undefined> {
    return this.rpc.ask(instance, request);
  }

  answer(handler: ExchangeHandler): void {
    this.rpc.handler = handler;
  }

  setCurrent(user: string, sessionId: string): void {
    this.options.commands.set(CURRENT + user, sessionId, 'EX', CURRENT_KEEP_S).catch(() => undefined);
  }

  async current(user: string): Promise<string | undefined> {
    return (await this.options.commands.get(CURRENT + user)) ?? undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    await Promise.allSettled([...this.owned.keys()].map((id) => this.disown(id)));
    this.rpc.close();
    await Promise.allSettled([this.options.subscriber.quit(), this.options.commands.quit()]);
  }

  /** Keeps this instance's owner keys (and their streams) alive; a dead instance's expire. */
  private async refresh(): Promise<void> {
    const { commands, ownerTtlMs } = this.options;
    const renewals = [...this.owned].flatMap(([sessionId, { owner, value }]) => [
      commands.eval(REFRESH_IF_OURS, 1, OWNER + sessionId, value, ownerTtlMs),
      commands.pexpire(owner.stream, ownerTtlMs + STREAM_LINGER_MS),
    ]);
    const failed = (await Promise.allSettled(renewals)).find((r) => r.status === 'rejected');
    if (failed) this.options.log.warn({ err: (failed as PromiseRejectedResult).reason }, 'chat owner refresh failed');
  }
}
