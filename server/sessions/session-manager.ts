import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Redactor } from '../logger.js';
import { TranscriptWriter, transcriptPath } from '../transcripts/transcript-writer.js';
import type { Connection } from './connection.js';
import { Session } from './session.js';

export interface SessionManagerOptions {
  logsDir: string;
  eventBufferBytes: number;
  highWaterMark: number;
  resumeGraceMs: number;
  sessionTtlMs: number;
  redactor: Redactor;
  log: Logger;
  /** Called after a session ended, so tools can release per-session state. */
  onSessionEnded: (session: Session) => Promise<void>;
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

  constructor(private readonly options: SessionManagerOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  create(owner: string, model: string): Session {
    const id = newId('s');
    const transcript = new TranscriptWriter(transcriptPath(this.options.logsDir, id), this.options.redactor, this.options.log);
    const session = new Session({
      id,
      owner,
      model,
      transcript,
      eventBufferBytes: this.options.eventBufferBytes,
      highWaterMark: this.options.highWaterMark,
    });
    this.sessions.set(id, session);
    this.currentByUser.set(owner, session);
    transcript.write('session-start', { sessionId: id, user: owner, model });
    return session;
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
   * The client left. A running turn keeps going for the resume grace period, then is aborted if
   * nobody came back; the session itself expires after SESSION_TTL_MS without a connection.
   */
  detached(session: Session): void {
    if (session.ended) return;
    if (session.turn && !session.graceTimer) {
      session.graceTimer = setTimeout(() => {
        session.graceTimer = undefined;
        if (!session.connection && session.turn) {
          session.transcript.write('turn-abandoned', { messageId: session.turn.messageId, graceMs: this.options.resumeGraceMs });
          session.turn.controller.abort(new Error('client did not resume'));
        }
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
   * Ends a session: aborts its turn (with `abortWith` when given, so the client is told the real
   * cause), waits for it to settle, closes the transcript. Idempotent.
   */
  async end(session: Session, reason: string, abortWith?: Error): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.graceTimer);
    clearTimeout(session.expiryTimer);
    const turn = session.turn;
    if (turn) {
      turn.controller.abort(abortWith ?? new Error(`session ended: ${reason}`));
      await turn.done.catch(() => undefined);
    }
    this.sessions.delete(session.id);
    if (this.currentByUser.get(session.owner) === session) this.currentByUser.delete(session.owner);
    session.transcript.write('session-end', { reason });
    await this.options.onSessionEnded(session).catch((err: unknown) => this.options.log.warn({ err }, 'session cleanup failed'));
    await session.transcript.close();
  }

  /** Running turns across all of a user's sessions. */
  runningTurns(user: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.owner === user && s.turn) n += 1;
    return n;
  }

  async endAll(reason: string, abortWith?: Error): Promise<void> {
    await Promise.all(this.all().map((s) => this.end(s, reason, abortWith)));
  }
}
