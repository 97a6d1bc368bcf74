import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, pruneTranscripts, schedulePruning, type Scheduler } from '../../server/housekeeping/transcript-pruning.js';

let dir: string;
const NOW = Date.parse('2026-12-01T12:00:00Z');
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'galaxy-prune-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A transcript last written `ageDays` before NOW. */
function transcript(name: string, ageDays: number): void {
  const file = join(dir, name);
  writeFileSync(file, '{"kind":"session-start"}\n');
  const at = (NOW - ageDays * DAY_MS) / 1000;
  utimesSync(file, at, at);
}

describe('transcript pruning', () => {
  it('deletes transcripts last written before LOGS_RETENTION_DAYS and keeps the rest', async () => {
    transcript('s_oldoldoldold0001.jsonl', 31);
    transcript('s_recentrecent0002.jsonl', 29);
    transcript('s_justinside00003.jsonl', 29.99);
    const result = await pruneTranscripts({ logsDir: dir, retentionDays: 30, now: () => NOW, isLive: () => false });
    expect(result).toEqual({ deleted: ['s_oldoldoldold0001.jsonl'], kept: 2 });
    expect(readdirSync(dir).sort()).toEqual(['s_justinside00003.jsonl', 's_recentrecent0002.jsonl']);
  });

  it('never touches a live session, a file not named like a transcript, or a directory', async () => {
    transcript('s_livelivelive0001.jsonl', 400);
    transcript('notes.txt', 400);
    transcript('x.jsonl', 400);
    mkdirSync(join(dir, 's_adirectory00001.jsonl'));
    const result = await pruneTranscripts({ logsDir: dir, retentionDays: 1, now: () => NOW, isLive: (id) => id === 's_livelivelive0001' });
    expect(result.deleted).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 's_adirectory00001.jsonl', 's_livelivelive0001.jsonl', 'x.jsonl']);
  });

  it('keeps everything with 0, and a missing LOGS_DIR is nothing to do', async () => {
    transcript('s_oldoldoldold0001.jsonl', 3650);
    expect(await pruneTranscripts({ logsDir: dir, retentionDays: 0, now: () => NOW, isLive: () => false })).toEqual({ deleted: [], kept: 0 });
    expect(existsSync(join(dir, 's_oldoldoldold0001.jsonl'))).toBe(true);
    expect(await pruneTranscripts({ logsDir: join(dir, 'none'), retentionDays: 1, now: () => NOW, isLive: () => false })).toEqual({ deleted: [], kept: 0 });
  });

  it('runs at start and again every interval, as the injected clock moves on', async () => {
    let now = NOW;
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const scheduler: Scheduler = { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => {} };
    transcript('s_firstfirstfi0001.jsonl', 10);
    transcript('s_secondsecond0002.jsonl', 6);
    const settle = () => new Promise((r) => setTimeout(r, 50));
    const stop = schedulePruning({ logsDir: dir, retentionDays: 7, now: () => now, isLive: () => false, intervalMs: 3_600_000, log: pino({ level: 'silent' }), scheduler });
    await settle();
    expect(readdirSync(dir)).toEqual(['s_secondsecond0002.jsonl']);
    expect(timers.map((t) => t.ms)).toEqual([3_600_000]);
    // Two days later the second one is past the retention too.
    now += 2 * DAY_MS;
    timers.shift()!.fn();
    await settle();
    expect(readdirSync(dir)).toEqual([]);
    stop();
  });
});
