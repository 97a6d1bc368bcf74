import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ExchangeHandler, ExchangeReply, ExchangeRequest } from './session-exchange.js';

const CHANNEL = 'galaxy:instance:';

interface RequestMessage {
  kind: 'request';
  id: string;
  from: string;
  request: ExchangeRequest;
}

interface ReplyMessage {
  kind: 'reply';
  id: string;
  reply: ExchangeReply;
}

/**
 * Request and reply between instances over Redis pub/sub: each instance listens on its own
 * channel, a request carries the asker's id, the reply comes back on the asker's channel. An
 * instance that does not answer within the timeout is treated as gone (undefined), never waited on.
 */
export class ExchangeRpc {
  handler: ExchangeHandler = async () => ({ ok: false });
  private readonly pending = new Map<string, { resolve: (reply: ExchangeReply | undefined) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly instance: string,
    private readonly commands: Redis,
    private readonly subscriber: Redis,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const mine = CHANNEL + this.instance;
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === mine) this.heard(text);
    });
    await this.subscriber.subscribe(mine);
  }

  ask(instance: string, request: ExchangeRequest): Promise<ExchangeReply | undefined> {
    const id = randomBytes(8).toString('hex');
    const message: RequestMessage = { kind: 'request', id, from: this.instance, request };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer });
      this.commands.publish(CHANNEL + instance, JSON.stringify(message)).then(
        (listeners) => {
          // Nobody subscribed: the instance is gone; no need to wait out the timeout.
          if (listeners === 0) this.settle(id, { ok: false, gone: true });
        },
        () => this.settle(id, undefined),
      );
    });
  }

  close(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
  }

  private settle(id: string, reply: ExchangeReply | undefined): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(reply);
  }

  private heard(text: string): void {
    let message: RequestMessage | ReplyMessage;
    try {
      message = JSON.parse(text) as RequestMessage | ReplyMessage;
    } catch {
      return;
    }
    if (message.kind === 'reply') return this.settle(message.id, message.reply);
    if (message.kind !== 'request' || typeof message.from !== 'string') return;
    void this.handler(message.request)
      .catch((err: unknown) => {
        this.log.warn({ err, op: message.request.op }, 'request from another instance failed');
        return { ok: false };
      })
      .then((reply) => this.commands.publish(CHANNEL + message.from, JSON.stringify({ kind: 'reply', id: message.id, reply } satisfies ReplyMessage)))
      .catch((err: unknown) => this.log.warn({ err }, 'reply to another instance not sent'));
  }
}
