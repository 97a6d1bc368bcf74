import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeltaBuffer } from '../../server/chat/delta-buffer.js';
import type { Session } from '../../server/sessions/session.js';

function fakeSession() {
  const deltas: Array<{ text: string; at: number }> = [];
  const session: Pick<Session, 'record'> = { record: (e) => void (e.kind === 'assistant-text' && deltas.push({ text: e.text, at: performance.now() })) };
  return { session, deltas };
}

describe('delta coalescing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends text after a quiet spell at once, so a slow stream gains no delay', () => {
    const { session, deltas } = fakeSession();
    const buffer = new DeltaBuffer(session, 'm1', 16);
    vi.advanceTimersByTime(100);
    buffer.push('a');
    expect(deltas.map((d) => d.text)).toEqual(['a']);
    vi.advanceTimersByTime(50);
    buffer.push('b');
    expect(deltas.map((d) => d.text)).toEqual(['a', 'b']);
  });

  it('coalesces a burst inside the window into one frame at the end of the window', () => {
    const { session, deltas } = fakeSession();
    const buffer = new DeltaBuffer(session, 'm1', 16);
    vi.advanceTimersByTime(100);
    buffer.push('first ');
    for (const word of ['a ', 'b ', 'c ']) {
      vi.advanceTimersByTime(2);
      buffer.push(word);
    }
    expect(deltas.map((d) => d.text)).toEqual(['first ']);
    vi.advanceTimersByTime(16);
    expect(deltas.map((d) => d.text)).toEqual(['first ', 'a b c ']);
    expect(deltas[1]!.at - deltas[0]!.at).toBe(16);
  });

  it('flushes at once when the pending text reaches the frame size cap', () => {
    const { session, deltas } = fakeSession();
    const buffer = new DeltaBuffer(session, 'm1', 16);
    vi.advanceTimersByTime(100);
    buffer.push('x');
    buffer.push('y'.repeat(9000));
    expect(deltas.map((d) => d.text.length)).toEqual([1, 9000]);
  });

  it('with DELTA_FLUSH_MS=0 sends every piece as it comes', () => {
    const { session, deltas } = fakeSession();
    const buffer = new DeltaBuffer(session, 'm1', 0);
    buffer.push('a');
    buffer.push('b');
    expect(deltas.map((d) => d.text)).toEqual(['a', 'b']);
  });
});
