import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { SseDecoder, type SseEvent } from '../../server/llm/sse-decoder.js';

function decodeAll(pieces: string[], maxEventChars = 10_000): SseEvent[] {
  const decoder = new SseDecoder(maxEventChars);
  const events: SseEvent[] = [];
  for (const piece of pieces) events.push(...decoder.push(piece));
  events.push(...decoder.end());
  return events;
}

describe('SseDecoder', () => {
  it('yields one event per blank-line-terminated data block', () => {
    expect(decodeAll(['data: {"a":1}\n\ndata: {"b":2}\n\n'])).toEqual([
      { event: '', data: '{"a":1}' },
      { event: '', data: '{"b":2}' },
    ]);
  });

  it('joins events split anywhere, including inside "data:" and between CR and LF', () => {
    const text = 'data: one\r\n\r\nevent: error\r\ndata: two\r\n\r\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(decodeAll([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual([
        { event: '', data: 'one' },
        { event: 'error', data: 'two' },
      ]);
    }
  });

  it('handles bare CR line ends, multi-line data, comments, and "data:" without a space', () => {
    expect(decodeAll([': keep-alive\r\rdata:x\rdata: y\r\rid: 7\nretry: 10\ndata: z\n\n'])).toEqual([
      { event: '', data: 'x\ny' },
      { event: '', data: 'z' },
    ]);
  });

  it('delivers a last event that the body ended without a blank line', () => {
    expect(decodeAll(['data: [DONE]'])).toEqual([{ event: '', data: '[DONE]' }]);
  });

  it('ignores blank lines with no data', () => {
    expect(decodeAll(['\n\n\n: only a comment\n\n'])).toEqual([]);
  });

  it('refuses an event larger than the cap, whether it comes in one piece or many', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as AppError).code;
      }
      return undefined;
    };
    expect(code(() => decodeAll([`data: ${'x'.repeat(200)}\n\n`], 100))).toBe('LLM_RESPONSE_TOO_LARGE');
    const decoder = new SseDecoder(100);
    decoder.push('data: ');
    for (let i = 0; i < 9; i += 1) decoder.push('x'.repeat(10));
    expect(code(() => decoder.push('x'.repeat(20)))).toBe('LLM_RESPONSE_TOO_LARGE');
    expect(code(() => decodeAll(['data: 1234567890\n'.repeat(20)], 100))).toBe('LLM_RESPONSE_TOO_LARGE');
  });
});
