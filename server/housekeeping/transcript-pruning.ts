import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SESSION_ID_PATTERN } from '../transcripts/transcript-writer.js';

/**
 * Deletes transcripts (LOGS_DIR/<session-id>.jsonl) whose last write is older than
 * LOGS_RETENTION_DAYS; 0 keeps everything. Only files named like a transcript are touched, and a live
 * session's file never is, whatever its age. Runs at boot and then on a timer; time comes from an
 * injected clock so the schedule can be tested without waiting days.
 */

export const DAY_MS = 24 * 3_600_000;

export interface PruneOptions {
  logsDir: string;
  retentionDays: number;
  now: () => number;
  isLive: (sessionId: string) => boolean;
}

export interface PruneResult {
  deleted: string[];
  kept: number;
}

export async function pruneTranscripts(options: PruneOptions): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], kept: 0 };
  if (options.retentionDays <= 0) return result;
  const cutoff = options.now() - options.retentionDays * DAY_MS;
  let names: string[];
  try {
    names = await readdir(options.logsDir);
  } catch (err) {
    // No transcript written yet: nothing to prune.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const sessionId = name.slice(0, -'.jsonl'.length);
    if (!SESSION_ID_PATTERN.test(sessionId) || options.isLive(sessionId)) {
      result.kept += 1;
      continue;
    }
    const file = join(options.logsDir, name);
    try {
      const info = await stat(file);
      if (!info.isFile() || info.mtimeMs >= cutoff) {
        result.kept += 1;
        continue;
      }
      await unlink(file);
      result.deleted.push(name);
    } catch (err) {
      // Deleted meanwhile (another instance sharing the volume): not a failure.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return result;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): { unref?: () => void } | unknown;
  clearTimeout(handle: unknown): void;
}

/** Prunes now, then every `intervalMs`; returns a stop function. Never throws: failures are logged. */
export function schedulePruning(options: PruneOptions & { intervalMs: number; log: Logger; scheduler?: Scheduler }): () => void {
  if (options.retentionDays <= 0) return () => {};
  const scheduler: Scheduler = options.scheduler ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
  let stopped = false;
  let handle: unknown;
  const run = async () => {
    try {
      const { deleted, kept } = await pruneTranscripts(options);
      if (deleted.length > 0) options.log.info({ deleted: deleted.length, kept, retentionDays: options.retentionDays }, 'pruned old transcripts');
    } catch (err) {
      options.log.error({ err, dir: options.logsDir }, 'transcript pruning failed');
    }
    if (!stopped) handle = scheduler.setTimeout(() => void run(), options.intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    scheduler.clearTimeout(handle);
  };
}
