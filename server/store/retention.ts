import type { Logger } from 'pino';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;
export const RETENTION_SWEEP_MS = 3_600_000;

export interface RetentionClock {
  now(): Date;
  /** Calls `run` every `ms`; returns a cancel function. Real timers MUST be unref'd so they never hold the process. */
  every(ms: number, run: () => void): () => void;
}

export const systemClock: RetentionClock = {
  now: () => new Date(),
  every(ms, run) {
    const timer = setInterval(run, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/**
 * HISTORY_RETENTION_DAYS: deletes conversations with no message for that many days, once at start
 * and then every hour. 0 keeps history forever. Returns a stop function.
 */
export function startRetention(store: Store, days: number, clock: RetentionClock, log: Pick<Logger, 'info' | 'error'>): () => void {
  if (days <= 0) return () => {};
  let running = false;
  const sweep = () => {
    // A slow sweep must not overlap the next one.
    if (running) return;
    running = true;
    const cutoff = new Date(clock.now().getTime() - days * DAY_MS);
    store
      .deleteConversationsOlderThan(cutoff)
      .then((deleted) => {
        if (deleted > 0) log.info({ deleted, cutoff: cutoff.toISOString() }, 'retention: deleted old conversations');
      })
      .catch((err: unknown) => log.error({ err }, 'retention sweep failed'))
      .finally(() => {
        running = false;
      });
  };
  sweep();
  return clock.every(RETENTION_SWEEP_MS, sweep);
}
