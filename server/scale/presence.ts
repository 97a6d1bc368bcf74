/**
 * The one-live-connection-per-person rule across instances (design §13: what is process-local sits
 * behind a small interface). Each instance keeps its own live connections (SessionManager); this
 * seam tells the others. In one process there is nothing to tell (`LocalPresence`); with REDIS_URL
 * the Redis implementation (redis-presence.ts) publishes each claim so the instance holding the
 * person's older connection hands it the same `takeover` as in one process.
 */
export interface Presence {
  /** True when another instance holds this person's live connection (SESSION_TAKEOVER=reject asks). */
  heldElsewhere(user: string): Promise<boolean>;
  /** This connection is now the person's live one everywhere; another instance closes theirs. */
  claim(user: string, connectionId: string): Promise<void>;
  /** The connection closed; forgets it unless a newer one has claimed since. */
  release(user: string, connectionId: string): Promise<void>;
  close(): Promise<void>;
}

/** One process: SessionManager already is the whole truth. */
export class LocalPresence implements Presence {
  async heldElsewhere(): Promise<boolean> {
    return false;
  }
  async claim(): Promise<void> {}
  async release(): Promise<void> {}
  async close(): Promise<void> {}
}
