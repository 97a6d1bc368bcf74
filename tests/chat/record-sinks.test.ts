import { describe, expect, it } from 'vitest';
import { eventsFor, transcriptLinesFor } from '../../server/chat/record-sinks.js';

describe('one fact, each sink its own view', () => {
  it('a failed answer becomes an error event and an incomplete message-end', () => {
    const events = eventsFor({
      kind: 'assistant-end',
      id: 'm1',
      model: 'demo',
      text: 'partial',
      reason: 'error',
      finishReason: 'error',
      error: { code: 'LLM_STALLED', message: 'silent', stack: 'at x' },
    });
    expect(events).toEqual([
      { type: 'error', code: 'LLM_STALLED', message: 'silent', messageId: 'm1' },
      { type: 'message-end', id: 'm1', finishReason: 'error', incomplete: true, error: { code: 'LLM_STALLED', message: 'silent' } },
    ]);
    const lines = transcriptLinesFor({ kind: 'assistant-end', id: 'm1', model: 'demo', text: 'partial', reason: 'error', finishReason: 'error', error: { code: 'LLM_STALLED', message: 'silent', stack: 'at x' } });
    expect(lines.map(([k]) => k)).toEqual(['error', 'assistant-message']);
    expect(lines[0]?.[1]).toMatchObject({ stack: 'at x' });
    expect(lines[1]?.[1]).toMatchObject({ incomplete: true, reason: 'error', text: 'partial' });
  });

  it('streamed text reaches the client but not the transcript; model calls the transcript only', () => {
    expect(eventsFor({ kind: 'assistant-text', id: 'm', text: 'hi' })).toEqual([{ type: 'delta', id: 'm', text: 'hi' }]);
    expect(transcriptLinesFor({ kind: 'assistant-text', id: 'm', text: 'hi' })).toEqual([]);
    const call = { kind: 'model-call' as const, messageId: 'm', model: 'demo', round: 0, text: 'hi', durationMs: 5, finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, toolCalls: [] };
    expect(eventsFor(call)).toEqual([]);
    expect(transcriptLinesFor(call)[0]).toEqual(['model-call', { messageId: 'm', model: 'demo', round: 0, durationMs: 5, finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, toolCalls: 0, text: 'hi' }]);
  });

  it('a new chat writes its start and selection to the transcript and sends no event (ready says it)', () => {
    const start = { kind: 'session-start' as const, sessionId: 's_1', user: 'a@b.c', model: 'demo', tools: ['basic_math'], dataSources: [] };
    expect(eventsFor(start)).toEqual([]);
    expect(transcriptLinesFor(start)).toEqual([
      ['session-start', { sessionId: 's_1', user: 'a@b.c', model: 'demo' }],
      ['selection', { tools: ['basic_math'], dataSources: [], locked: false }],
    ]);
  });
});
