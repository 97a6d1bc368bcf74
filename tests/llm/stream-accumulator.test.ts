import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { StreamAccumulator, type AccumulatedAnswer } from '../../server/llm/stream-accumulator.js';
import { expectMatchesFixture, providerQuirks, type QuirkFixture } from '../fixtures/provider-quirks.js';
import { finishChunk, roleChunk, textChunk, toolCallChunk } from '../support/chunks.js';

const LIMITS = { maxResponseChars: 10_000, maxToolArgsChars: 10_000 };

function run(chunks: unknown[], limits = LIMITS): { text: string; answer: AccumulatedAnswer } {
  const accumulator = new StreamAccumulator(limits);
  let text = '';
  for (const chunk of chunks) text += accumulator.push(chunk);
  return { text, answer: accumulator.finish() };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}

describe('StreamAccumulator: provider quirks', () => {
  for (const [name, fixture] of Object.entries(providerQuirks) as Array<[string, QuirkFixture]>) {
    it(`${name}: ${fixture.description}`, () => {
      if ('error' in fixture.expected) {
        const accumulator = new StreamAccumulator(LIMITS);
        for (const chunk of fixture.chunks) accumulator.push(chunk);
        expect(codeOf(() => accumulator.finish())).toBe(fixture.expected.error);
        return;
      }
      const { text, answer } = run(fixture.chunks);
      expectMatchesFixture(fixture, text, answer);
    });
  }
});

describe('StreamAccumulator: robustness', () => {
  it('returns each text delta as it arrives', () => {
    const accumulator = new StreamAccumulator(LIMITS);
    expect(accumulator.push(roleChunk())).toBe('');
    expect(accumulator.push(textChunk('Hel'))).toBe('Hel');
    expect(accumulator.push(textChunk('lo'))).toBe('lo');
    expect(accumulator.finished).toBe(false);
    expect(accumulator.push(finishChunk('stop'))).toBe('');
    expect(accumulator.finished).toBe(true);
  });

  it('ignores chunks that are not objects or have junk where choices should be', () => {
    const { text, answer } = run([null, 42, 'data', [], { choices: 'nope' }, { choices: [null] }, textChunk('ok'), finishChunk('stop')]);
    expect(text).toBe('ok');
    expect(answer.finishReason).toBe('stop');
  });

  it('throws LLM_STREAM_INCOMPLETE when nothing at all arrived', () => {
    expect(codeOf(() => new StreamAccumulator(LIMITS).finish())).toBe('LLM_STREAM_INCOMPLETE');
  });

  it('drops empty tool fragments that name nothing and carry no arguments', () => {
    const { answer } = run([toolCallChunk({ index: 3, arguments: '' }), textChunk('hi'), finishChunk('stop')]);
    expect(answer.toolCalls).toEqual([]);
    expect(answer.finishReason).toBe('stop');
  });

  it('keeps a call without index whose id arrives only on its second fragment', () => {
    const { answer } = run([
      toolCallChunk({ name: 'basic_math', withType: false }),
      toolCallChunk({ id: 'call_late', arguments: '{"expression":"1"}' }),
      finishChunk('tool_calls'),
    ]);
    expect(answer.toolCalls).toEqual([
      { id: 'call_late', type: 'function', function: { name: 'basic_math', arguments: '{"expression":"1"}' } },
    ]);
  });

  it('starts a new call when a different tool name follows arguments without index or id', () => {
    const { answer } = run([
      toolCallChunk({ name: 'basic_math', arguments: '{"expression":"1"}' }),
      toolCallChunk({ name: 'user_lookup', arguments: '{"query":"x"}' }),
      finishChunk('tool_calls'),
    ]);
    expect(answer.toolCalls.map((c) => c.function.name)).toEqual(['basic_math', 'user_lookup']);
  });
});

describe('StreamAccumulator: size caps', () => {
  it('throws LLM_RESPONSE_TOO_LARGE once the text passes maxResponseChars', () => {
    const accumulator = new StreamAccumulator({ maxResponseChars: 10, maxToolArgsChars: 100 });
    expect(accumulator.push(textChunk('12345'))).toBe('12345');
    expect(accumulator.push(textChunk('67890'))).toBe('67890');
    expect(codeOf(() => accumulator.push(textChunk('!')))).toBe('LLM_RESPONSE_TOO_LARGE');
  });

  it('counts tool-argument characters over all calls together', () => {
    const accumulator = new StreamAccumulator({ maxResponseChars: 100, maxToolArgsChars: 10 });
    accumulator.push(toolCallChunk({ index: 0, id: 'a', name: 'f', arguments: '123456' }));
    expect(codeOf(() => accumulator.push(toolCallChunk({ index: 1, id: 'b', name: 'g', arguments: '12345' })))).toBe(
      'LLM_RESPONSE_TOO_LARGE',
    );
  });

  it('stops 50 MB of streamed tool arguments at the cap without holding them', () => {
    const cap = 100_000;
    const accumulator = new StreamAccumulator({ maxResponseChars: 200_000, maxToolArgsChars: cap });
    accumulator.push(toolCallChunk({ index: 0, id: 'call_big', name: 'code_execution', arguments: '' }));
    const fragment = toolCallChunk({ index: 0, arguments: 'x'.repeat(4096) });
    const totalFragments = (50 * 1024 * 1024) / 4096;
    let accepted = 0;
    let code: string | undefined;
    for (let i = 0; i < totalFragments && code === undefined; i += 1) {
      code = codeOf(() => accumulator.push(fragment));
      if (code === undefined) accepted += 1;
    }
    expect(code).toBe('LLM_RESPONSE_TOO_LARGE');
    // It stopped right at the cap, not after reading everything.
    expect(accepted).toBe(Math.floor(cap / 4096));
  });

  it('refuses one 50 MB tool-argument fragment', () => {
    const accumulator = new StreamAccumulator({ maxResponseChars: 200_000, maxToolArgsChars: 100_000 });
    const huge = toolCallChunk({ index: 0, id: 'call_big', name: 'f', arguments: 'y'.repeat(50 * 1024 * 1024) });
    expect(codeOf(() => accumulator.push(huge))).toBe('LLM_RESPONSE_TOO_LARGE');
  });
});
