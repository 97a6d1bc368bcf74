import { describe, expect, it } from 'vitest';
import { entriesFrom, historyFrom } from '../../server/chat/store-archive.js';
import type { StoredMessage } from '../../server/store/store.js';

const at = '2026-12-01T10:00:00.000Z';
const base = { conversationId: 's_1', createdAt: at };

const rows: StoredMessage[] = [
  { ...base, id: 'u1', role: 'user', text: 'what is 6*7?' },
  { ...base, id: 'm1', role: 'assistant', text: 'It is 42.', model: 'demo', toolCalls: [{ id: 'c1', name: 'basic_math', arguments: '{"expression":"6*7"}' }] },
  { ...base, id: 'm1.c1', role: 'tool', text: '42', toolCallId: 'c1', toolName: 'basic_math', toolArgs: { expression: '6*7' } },
  { ...base, id: 'u2', role: 'user', text: 'and more?' },
  { ...base, id: 'm2', role: 'assistant', text: 'Half an ans', model: 'demo', incomplete: true, toolCalls: [{ id: 'c2', name: 'code_execution', arguments: '{}' }] },
];

describe('reopening a stored chat', () => {
  it('gives the model a valid history: calls, their results, then the text; an interrupted call reads as failed', () => {
    expect(historyFrom(rows)).toEqual([
      { role: 'user', text: 'what is 6*7?' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c1', type: 'function', function: { name: 'basic_math', arguments: '{"expression":"6*7"}' } }] },
      { role: 'tool', toolCallId: 'c1', text: '42' },
      { role: 'assistant', text: 'It is 42.' },
      { role: 'user', text: 'and more?' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c2', type: 'function', function: { name: 'code_execution', arguments: '{}' } }] },
      { role: 'tool', toolCallId: 'c2', text: 'Error (TOOL_FAILED): the call was interrupted before it returned.' },
      { role: 'assistant', text: 'Half an ans' },
    ]);
  });

  it('gives the reader the entries a live chat shows, incomplete answers marked', () => {
    const entries = entriesFrom(rows);
    expect(entries.map((e) => [e.id, e.role])).toEqual([
      ['u1', 'user'],
      ['m1', 'assistant'],
      ['c1', 'tool'],
      ['u2', 'user'],
      ['m2', 'assistant'],
    ]);
    expect(entries[2]?.toolCall).toEqual({ callId: 'c1', name: 'basic_math', args: { expression: '6*7' }, content: '42' });
    expect(entries[4]).toMatchObject({ incomplete: true, model: 'demo' });
  });

  it('keeps earlier versions for the reader and out of the model’s view, and knows where each message starts', () => {
    const versions: StoredMessage[] = [
      { ...base, id: 'u1', role: 'user', text: 'first try', superseded: true },
      { ...base, id: 'a1', role: 'assistant', text: 'old answer', superseded: true },
      { ...base, id: 'u1b', role: 'user', text: 'second try' },
      { ...base, id: 'a2', role: 'assistant', text: 'answer, first version', superseded: true },
      { ...base, id: 'a3', role: 'assistant', text: 'answer, regenerated' },
    ];
    const at = new Map<string, number>();
    expect(historyFrom(versions, at)).toEqual([
      { role: 'user', text: 'second try' },
      { role: 'assistant', text: 'answer, regenerated' },
    ]);
    expect([...at]).toEqual([['u1b', 0]]);
    expect(entriesFrom(versions).map((e) => [e.id, !!e.superseded])).toEqual([['u1', true], ['a1', true], ['u1b', false], ['a2', true], ['a3', false]]);
  });
});
