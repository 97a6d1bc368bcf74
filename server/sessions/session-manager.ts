import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { TurnEnded } from '../chat/turn-end.js';
import type { RecordSink } from '../chat/records.js';
import type { HistoryEntry } from '../protocol/server-events.js';
import type { Connection } from './connection.js';
import { Session } from './session.js';

/** A chat being brought back (from the store) rather than started. */
export interface ReopenedChat {
  id: string;
  startedAt: Date;
  entries: HistoryEntry[];
}

export interface SessionManagerOptions {
  /** The sinks (transcript, store) that keep a chat's facts besides its event log. */
  sinksFor: (sessionId: string, owner: string, reopened: boolean, tenant: string) => RecordSink[];
  eventBufferBytes: number;
  highWaterMark: number;
  resumeGraceMs: number;
  sessionTtlMs: number;
  log: Logger;
  /** Called after a session ended, so tools can release per-session state. */
  onSessionEnded: (session: Session) => Promise<void>;
  /** Where a chat run here also hands its numbered events (the shared log), if anywhere. */
  mirrorFor?: (sessionId: string) => ((seq: number, json: string) => void) | undefined;
  /** After a session's records are closed (durable): another instance may take the chat now. */
  afterClose?: (session: Session) => Promise<void>;
}

export interface CreateOptions {
  reopened?: ReopenedChat;
  /** The seq before the first event (a chat that ran elsewhere continues above its earlier seqs). */
  seqBase?: number;
  /** Follow a chat another instance runs: no sinks of its own until it adopts the chat. */
  replica?: boolean;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/**
 * Owns every live session: lookup with ownership, one live connection per user, the grace period
 * a running turn gets after its client disappears, and expiry of sessions nobody comes back to.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  /** The session each user is currently in (the one a plain hello joins). */
  private readonly currentByUser = new Map<string, Session>();
  /** The one live (hello'd) connection per user. */
  private readonly liveByUser = new Map<string, Connection>();
  private readonly endings = new WeakMap<Session, Promise<void>>();

  constructor(private readonly options: SessionManagerOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** A new chat, or (with `reopened`) a stored one made live again under its own id. */
  create(owner: string, model: string, tenant: string, options: CreateOptions = {}): Session {
    const { reopened, replica = false } = options;
    const id = reopened?.id ?? newId('s');
    const mirror = replica ? undefined : this.options.mirrorFor?.(id);
    const session = new Session({
      id,
      owner,
      model,
      tenant,
      replica,
      ...(options.seqBase !== undefined ? { seqBase: options.seqBase } : {}),
      ...(mirror ? { mirror } : {}),
      sinks: replica ? [] : this.options.sinksFor(id, owner, !!reopened, tenant),
      eventBufferBytes: this.options.eventBufferBytes,
      highWaterMark: this.options.highWaterMark,
      ...(reopened ? { startedAt: reopened.startedAt, entries: reopened.entries } : {}),
    });
    this.sessions.set(id, session);
    this.currentByUser.set(owner, session);
    return session;
  }

  /** The live session with this id, whoever owns it (for cross-checks such as "is it already open?"). */
  live(id: string): Session | undefined {
    const session = this.sessions.get(id);
    return session && !session.ended ? session : undefined;
  }

  /** The session with this id if `user` owns it; anyone else's looks exactly like a missing one. */
  get(id: string, user: string): Session | undefined {
    const session = this.sessions.get(id);
    return session && session.owner === user && !session.ended ? session : undefined;
  }

  current(user: string): Session | undefined {
    const session = this.currentByUser.get(user);
    return session && !session.ended ? session : undefined;
  }

  setCurrent(session: Session): void {
    this.currentByUser.set(session.owner, session);
  }

  /** The people with a live connection in this process. */
  liveUsers(): IterableIterator<string> {
    return this.liveByUser.keys();
  }

  liveConnection(user: string): Connection | undefined {
    return this.liveByUser.get(user);
  }

  /** Makes `conn` the user's live connection; returns the one it replaces, if any. */
  claimLive(conn: Connection): Connection | undefined {
    const previous = this.liveByUser.get(conn.user);
    this.liveByUser.set(conn.user, conn);
    return previous !== conn ? previous : undefined;
  }

  releaseLive(conn: Connection): void {
    if (this.liveByUser.get(conn.user) === conn) this.liveByUser.delete(conn.user);
  }

  /** Attaches a connection, cancelling grace and expiry timers. */
  attached(session: Session): void {
    clearTimeout(session.graceTimer);
    clearTimeout(session.expiryTimer);
    session.graceTimer = undefined;
    session.expiryTimer = undefined;
  }

  /**
   * A reader on another instance follows this chat's running answer: it must not be abandoned for
   * want of a reader here. Its expiry stays armed, so a chat whose follower vanished still ends.
   */
  followed(session: Session): void {
    session.followedElsewhere = true;
    clearTimeout(session.graceTimer);
    session.graceTimer = undefined;
  }

  /**
   * The client left. A running turn keeps going for the resume grace period, then is aborted if
   * nobody came back; the session itself expires after SESSION_TTL_MS without a connection.
   */
  detached(session: Session): void {
    if (session.ended) return;
    if (session.turn && !session.graceTimer) {
      session.graceTimer = setTimeout(() => {
        session.graceTimer = undefined;
        if (!session.connection && !session.followedElsewhere && session.turn) session.turn.controller.abort(new TurnEnded('abandoned'));
      }, this.options.resumeGraceMs);
      session.graceTimer.unref();
    }
    clearTimeout(session.expiryTimer);
    session.expiryTimer = setTimeout(() => {
      if (!session.connection) void this.end(session, 'expired');
    }, this.options.sessionTtlMs);
    session.expiryTimer.unref();
  }

  /**
   * Ends a session: aborts its turn (the reason says why: shutdown, or the session ending), waits
   * for it to settle, closes its sinks. Idempotent.
   */
  end(session: Session, reason: string): Promise<void> {
    // Every caller waits for the same ending: "ended" means the records are durable, not only begun.
    let ending = this.endings.get(session);
    if (!ending) {
      ending = this.finish(session, reason);
      this.endings.set(session, ending);
    }
    return ending;
  }

  /** The sinks a replica needs once this instance runs its chat. */
  sinksOf(session: Session): { sinks: RecordSink[]; mirror: ((seq: number, json: string) => void) | undefined } {
    return { sinks: this.options.sinksFor(session.id, session.owner, true, session.tenant), mirror: this.options.mirrorFor?.(session.id) };
  }

  private async finish(session: Session, reason: string): Promise<void> {
    session.ended = true;
    clearTimeout(session.graceTimer);
    clearTimeout(session.expiryTimer);
    const turn = session.turn;
    if (turn) {
      turn.controller.abort(new TurnEnded(reason === 'shutdown' ? 'shutdown' : 'session-ended'));
      await turn.done.catch(() => undefined);
    }
    this.sessions.delete(session.id);
    if (this.currentByUser.get(session.owner) === session) this.currentByUser.delete(session.owner);
    session.record({ kind: 'session-end', reason });
    await this.options.onSessionEnded(session).catch((err: unknown) => this.options.log.warn({ err }, 'session cleanup failed'));
    await session.closeRecords();
    if (!session.replica) await this.options.afterClose?.(session).catch((err: unknown) => this.options.log.warn({ err }, 'chat release failed'));
  }

  async endAll(reason: string): Promise<void> {
    await Promise.all(this.all().map((s) => this.end(s, reason)));
  }
}
