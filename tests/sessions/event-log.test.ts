import { describe, expect, it } from 'vitest';
import { EventLog } from '../../server/sessions/event-log.js';

describe('EventLog', () => {
  it('numbers events from 1, keeps them by seq and drops the oldest past its byte bound', () => {
    const log = new EventLog(200);
    for (let i = 0; i < 10; i++) log.append({ type: 'delta', id: 'm', text: `piece ${i}` });
    expect(log.lastSeq).toBe(10);
    expect(log.firstSeq).toBeGreaterThan(1);
    expect(log.covers(0)).toBe(false);
    expect(log.covers(9)).toBe(true);
    expect(JSON.parse(log.get(10)!)).toMatchObject({ text: 'piece 9', seq: 10 });
    expect(log.get(1)).toBeUndefined();
  });

  it('continues above a starting seq (a chat that ran elsewhere) and takes events numbered there, in order only', () => {
    const log = new EventLog(1 << 20, 41);
    expect(log.firstSeq).toBe(42);
    expect(log.covers(41)).toBe(true);
    expect(log.covers(40)).toBe(false);
    log.appendSerialized(42, '{"type":"delta","seq":42}');
    expect(() => log.appendSerialized(44, '{"seq":44}')).toThrow(/does not follow/);
    expect(() => log.appendSerialized(42, '{"seq":42}')).toThrow(/does not follow/);
    expect(JSON.parse(log.append({ type: 'title', title: 'next' }))).toMatchObject({ seq: 43 });
    expect(log.get(42)).toBe('{"type":"delta","seq":42}');
  });
});
