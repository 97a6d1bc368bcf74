import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DiskMonitor, statfsFreeBytes } from '../../server/housekeeping/disk-space.js';
import { startGalaxy } from '../support/galaxy.js';

const MB = 1024 * 1024;

/** A logger that keeps its records, to check what operators would see. */
function recordingLog() {
  const records: Array<{ level: number; msg: string; dir?: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, records };
}

describe('disk space', () => {
  it('reports a directory below DISK_MIN_FREE_MB, logs once when it drops and once when it recovers', async () => {
    const free: Record<string, number> = { '/logs': 900 * MB, '/data': 5000 * MB };
    const { log, records } = recordingLog();
    const monitor = new DiskMonitor([{ name: 'LOGS_DIR', path: '/logs' }, { name: 'DATA_DIR', path: '/data' }], 512, log, async (p) => free[p]!);
    await monitor.check();
    expect(monitor.problems()).toEqual([]);
    free['/logs'] = 100 * MB;
    await monitor.check();
    await monitor.check();
    expect(monitor.problems()).toEqual(['low disk space in LOGS_DIR: 100 MB free, below DISK_MIN_FREE_MB=512']);
    free['/logs'] = 2000 * MB;
    await monitor.check();
    expect(monitor.problems()).toEqual([]);
    expect(records.map((r) => [r.level, r.msg, r.dir])).toEqual([
      [50, 'disk space low: writes will fail soon', 'LOGS_DIR'],
      [30, 'disk space recovered', 'LOGS_DIR'],
    ]);
  });

  it('counts an unreadable directory as full, and 0 turns the check off', async () => {
    const { log } = recordingLog();
    const broken = new DiskMonitor([{ name: 'DATA_DIR', path: '/x' }], 1, log, async () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    });
    await broken.check();
    expect(broken.problems()).toEqual(['low disk space in DATA_DIR: 0 MB free, below DISK_MIN_FREE_MB=1']);
    const off = new DiskMonitor([{ name: 'DATA_DIR', path: '/x' }], 0, log, async () => 0);
    await off.check();
    expect(off.problems()).toEqual([]);
  });

  it('measures a directory not created yet on its nearest existing parent', async () => {
    const parent = await statfsFreeBytes(tmpdir());
    const missing = await statfsFreeBytes(join(tmpdir(), 'galaxy-not-there', 'logs'));
    expect(Math.abs(missing - parent)).toBeLessThan(64 * MB);
  });

  it('makes /ready say not ready, with the reason, when a directory is low', async () => {
    // More than any test disk has free.
    const g = await startGalaxy({ env: { DISK_MIN_FREE_MB: '9000000', DISK_CHECK_INTERVAL_S: '1' } });
    onTestFinished(() => g.close());
    let ready = await g.get('/ready', {});
    for (let i = 0; i < 50 && ready.status === 200; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      ready = await g.get('/ready', {});
    }
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).problems).toEqual([
      expect.stringMatching(/^low disk space in LOGS_DIR: \d+ MB free, below DISK_MIN_FREE_MB=9000000$/),
      expect.stringMatching(/^low disk space in DATA_DIR: \d+ MB free, below DISK_MIN_FREE_MB=9000000$/),
    ]);
    const details = JSON.parse((await g.get('/ready')).text);
    expect(details.disk.map((d: any) => [d.name, d.low])).toEqual([
      ['LOGS_DIR', true],
      ['DATA_DIR', true],
    ]);
  });
});
