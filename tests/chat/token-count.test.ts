import { describe, expect, it } from 'vitest';
import { countInWindows, loadTokenCounter, messageTokens } from '../../server/llm/token-count.js';

describe('token counting', () => {
  it('counts with the real tokenizer', async () => {
    const count = await loadTokenCounter();
    expect(count('')).toBe(0);
    expect(count('Hello world')).toBe(2);
    expect(messageTokens(count, { role: 'user', text: 'Hello world' })).toBe(6);
  });

  it('counts long text in bounded windows cut at white space, so one huge word cannot stall the server', () => {
    const pieces: string[] = [];
    const text = `${'word '.repeat(1000)}${'y'.repeat(3000)}`;
    countInWindows((t) => (pieces.push(t), 1), text);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(1024);
    expect(pieces.join('')).toBe(text);
  });

  it('extrapolates past 64 KiB from the counted part', async () => {
    const count = await loadTokenCounter();
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(10_000);
    const head = count(long.slice(0, 64 * 1024));
    expect(count(long)).toBe(Math.ceil((head * long.length) / (64 * 1024)));
    expect(count('x'.repeat(2_000_000))).toBeGreaterThan(1000);
  });
});
