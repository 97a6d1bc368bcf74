import type { HistoryEntry, SessionInfo } from '../protocol/server-events.js';

/**
 * Which instance runs a chat, and where its numbered events can be read by another instance.
 * `stream` names this incarnation's event log, so a chat that moved keeps one log per instance
 * that ran it and seqs never collide.
 */
export interface ChatOwner {
  instance: string;
  user: string;
  stream: string;
}

/** One event read back from a chat's shared log, exactly as its owner sent it. */
export interface SharedEvent {
  seq: number;
  json: string;
}

export interface SharedReader {
  /** Events after `afterSeq`, waiting up to `waitMs` for the first one ([] when none came). */
  next(afterSeq: number, waitMs: number): Promise<SharedEvent[]>;
  /** True when the stream still holds every event after `afterSeq` of this incarnation. */
  covers(afterSeq: number): Promise<boolean>;
  close(): void;
}

/** The view of a chat its owner hands to a relaying instance when the reader's seq is no longer kept. */
export interface ChatSnapshot {
  seq: number;
  entries: HistoryEntry[];
  info: SessionInfo;
  runningMessageId?: string;
}

/** What one instance asks of another. Every request names the person, and is checked against the chat's owner. */
export type ExchangeRequest =
  /** A reader is following this chat from another instance: keep the running answer going. */
  | { op: 'follow'; sessionId: string; user: string }
  /** `abandoned`: the follower's reader left and did not come back within the resume grace. */
  | { op: 'stop'; sessionId: string; user: string; reason: 'stopped' | 'abandoned' }
  /** Finish the running answer, save everything, and let the asking instance run the chat. */
  | { op: 'release'; sessionId: string; user: string }
  /** A client frame posted to the wrong instance for an event stream held here. */
  | { op: 'frame'; connectionId: string; user: string; raw: string; binary: boolean };

export interface ExchangeReply {
  ok: boolean;
  snapshot?: ChatSnapshot;
  /** Nobody listens on that instance's channel: it is gone (not merely slow). */
  gone?: boolean;
}

export type ExchangeHandler = (request: ExchangeRequest) => Promise<ExchangeReply>;

/**
 * What several instances share about live chats (design §13: process-local state behind a small
 * interface). In one process every chat is local and nothing is shared (`LocalExchange`); with
 * REDIS_URL, `RedisExchange` keeps each chat's owner, mirrors its event log into a Redis Stream
 * and carries requests (follow, stop, release, snapshot, posted frames) between instances.
 */
export interface SessionExchange {
  /** This instance's id (also the prefix of its event-stream connection ids). */
  readonly instance: string;
  /** False in one process: no chat can live anywhere else. */
  readonly shared: boolean;
  /**
   * This instance now runs the chat. Resolves with the first seq its events may use: above every
   * seq an earlier incarnation (on any instance) handed out, so a reader's old seq is never reused.
   */
  claim(sessionId: string, user: string, reopened: boolean): Promise<number>;
  /** The chat ended here (after its records were flushed): another instance may run it now. */
  disown(sessionId: string): Promise<void>;
  /** The live owner of a chat, unless it is this instance or nobody. */
  ownerElsewhere(sessionId: string): Promise<ChatOwner | undefined>;
  /** Mirrors one event of a chat run here; ordered per chat, never awaited by the caller. */
  publish(sessionId: string, seq: number, json: string): void;
  /** Reads an owner's event stream (its own connection: reads block while they wait). */
  reader(owner: ChatOwner): SharedReader;
  /** Asks another instance; `{ ok: false, gone: true }` when it is gone, undefined when it did not answer in time. */
  ask(instance: string, request: ExchangeRequest): Promise<ExchangeReply | undefined>;
  /** How this instance answers the others. */
  answer(handler: ExchangeHandler): void;
  /** The chat a person is in, across instances (a plain hello joins it). */
  setCurrent(user: string, sessionId: string): void;
  current(user: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** One process: SessionManager already is the whole truth; reopened chats count seqs from 0 as before. */
export class LocalExchange implements SessionExchange {
  readonly shared = false;
  constructor(readonly instance = 'local') {}
  async claim(): Promise<number> {
    return 0;
  }
  async disown(): Promise<void> {}
  async ownerElsewhere(): Promise<ChatOwner | undefined> {
    return undefined;
  }
  publish(): void {}
  reader(): SharedReader {
    return { next: async () => [], covers: async () => false, close: () => undefined };
  }
  async ask(): Promise<ExchangeReply | undefined> {
    return undefined;
  }
  answer(): void {}
  setCurrent(): void {}
  async current(): Promise<string | undefined> {
    return undefined;
  }
  async close(): Promise<void> {}
}
