import { describe, expect, it } from 'vitest';
import { fitHistory } from '../../server/chat/context-window.js';
import type { ChatMessage } from '../../server/llm/types.js';

// One token per word keeps the arithmetic readable; framing adds 4 per message.
const words = (t: string) => (t ? t.split(/\s+/).filter(Boolean).length : 0);
const system: ChatMessage = { role: 'system', text: 'be brief' };

function turn(n: number): ChatMessage[] {
  return [
    { role: 'user', text: `question ${n} `.repeat(5) },
    { role: 'assistant', text: `answer ${n} `.repeat(10) },
  ];
}

describe('fitHistory', () => {
  it('sends everything when the context is large enough or unknown', () => {
    const history = [...turn(1), ...turn(2)];
    expect(fitHistory(words, system, history, undefined, 100).omitted).toBe(0);
    const fitted = fitHistory(words, system, history, 10_000, 100);
    expect(fitted.messages).toEqual([system, ...history]);
    expect(fitted.promptTokens).toBe(6 + 14 + 24 + 14 + 24);
  });

  it('leaves out the oldest whole turns, never the system prompt or the newest message', () => {
    const history = [...turn(1), ...turn(2), ...turn(3), { role: 'user', text: 'latest please' } as ChatMessage];
    // system 6 + latest 6 = 12; each earlier turn costs 38; room for 12 + 38 + reserve 50.
    const fitted = fitHistory(words, system, history, 100, 50);
    expect(fitted.messages[0]).toBe(system);
    expect(fitted.messages.at(-1)).toEqual({ role: 'user', text: 'latest please' });
    expect(fitted.omitted).toBe(4);
    expect(fitted.messages.slice(1, 3)).toEqual(turn(3));
  });

  it('keeps a tool result with the call that asked for it', () => {
    const call = { id: 'c1', type: 'function' as const, function: { name: 'basic_math', arguments: '{}' } };
    const history: ChatMessage[] = [
      ...turn(1),
      { role: 'user', text: 'compute' },
      { role: 'assistant', text: '', toolCalls: [call] },
      { role: 'tool', toolCallId: 'c1', text: '42' },
    ];
    const fitted = fitHistory(words, system, history, 40, 0);
    expect(fitted.messages.slice(1).map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(fitted.omitted).toBe(2);
  });
});
