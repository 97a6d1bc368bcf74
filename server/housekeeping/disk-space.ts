import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * Watches free space where Galaxy writes (LOGS_DIR, DATA_DIR) and reports a directory below
 * DISK_MIN_FREE_MB before writes start failing: in /ready (not ready: traffic goes elsewhere and
 * operators see why) and once in the log when it crosses the line, once again when it recovers.
 */

export interface DiskReading {
  name: string;
  path: string;
  freeMb: number;
  low: boolean;
}

export type FreeBytes = (path: string) => Promise<number>;

const MB = 1024 * 1024;

/**
 * Bytes available to this (unprivileged) process, as `df` shows them. A directory not created yet
 * (LOGS_DIR before the first chat) is measured on its nearest existing parent, the disk it will use.
 */
export const statfsFreeBytes: FreeBytes = async (path) => {
  let at = resolve(path);
  for (;;) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch (err) {
      const parent = dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
};

export class DiskMonitor {
  private readings: DiskReading[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dirs: Array<{ name: string; path: string }>,
    private readonly minFreeMb: number,
    private readonly log: Logger,
    private readonly freeBytes: FreeBytes = statfsFreeBytes,
  ) {}

  /** Directories below the threshold, as short readiness problems. */
  problems(): string[] {
    return this.readings.filter((r) => r.low).map((r) => `low disk space in ${r.name}: ${r.freeMb} MB free, below DISK_MIN_FREE_MB=${this.minFreeMb}`);
  }

  latest(): readonly DiskReading[] {
    return this.readings;
  }

  /** Takes one reading of every directory. A directory that cannot be read counts as 0 MB free. */
  async check(): Promise<readonly DiskReading[]> {
    if (this.minFreeMb <= 0) return this.readings;
    const next = await Promise.all(
      this.dirs.map(async ({ name, path }) => {
        let freeMb = 0;
        try {
          freeMb = Math.floor((await this.freeBytes(path)) / MB);
        } catch (err) {
          this.log.warn({ err, dir: name, path }, 'cannot read free disk space');
        }
        return { name, path, freeMb, low: freeMb < this.minFreeMb };
      }),
    );
    for (const reading of next) {
      const before = this.readings.find((r) => r.name === reading.name);
      if (reading.low && !before?.low) {
        this.log.error({ dir: reading.name, path: reading.path, freeMb: reading.freeMb, minFreeMb: this.minFreeMb }, 'disk space low: writes will fail soon');
      } else if (!reading.low && before?.low) {
        this.log.info({ dir: reading.name, path: reading.path, freeMb: reading.freeMb }, 'disk space recovered');
      }
    }
    this.readings = next;
    return next;
  }

  /** Checks now and then every `intervalMs` until `stop`. */
  start(intervalMs: number): void {
    if (this.minFreeMb <= 0) return;
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
