import { describe, expect, it } from 'vitest';
import { toNumber } from '../../../server/store/postgres/connection.js';
import { messageDetails, toConversation, toMessage } from '../../../server/store/postgres/rows.js';

describe('PostgreSQL rows', () => {
  it('reads a conversation row: JSONB arrays, BOOLEAN, TIMESTAMPTZ as ISO text, the BIGINT count as a number', () => {
    expect(toConversation({
      pk: '7', id: 'c1', owner: 'a@b.co', tenant: 't', title: 'T', model: 'm', tools: ['x'], data_sources: ['s'], locked: true,
      created_at: new Date('2026-01-01T00:00:00.000Z'), updated_at: new Date('2026-01-02T03:04:05.678Z'), message_count: '12',
    })).toEqual({
      id: 'c1', owner: 'a@b.co', tenant: 't', title: 'T', model: 'm', tools: ['x'], dataSources: ['s'], locked: true,
      createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T03:04:05.678Z', messageCount: 12,
    });
  });

  it('keeps only the optional fields in details, and reads them back onto the message', () => {
    const details = messageDetails({
      id: 'm', conversationId: 'c', seq: 3, role: 'assistant', text: 'hi', createdAt: '2026-01-01T00:00:00.000Z',
      model: 'demo', incomplete: undefined, usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
    expect(JSON.parse(details)).toEqual({ model: 'demo', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } });
    expect(toMessage({ id: 'm', conversation_id: 'c', seq: 3, role: 'assistant', text: 'hi', created_at: new Date('2026-01-01T00:00:00.000Z'), details: JSON.parse(details) })).toEqual({
      id: 'm', conversationId: 'c', seq: 3, role: 'assistant', text: 'hi', createdAt: '2026-01-01T00:00:00.000Z', model: 'demo',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
  });

  it('turns the strings pg gives for BIGINT and SUM into numbers, and no rows into 0', () => {
    expect(toNumber('9007199254740991')).toBe(9_007_199_254_740_991);
    expect(toNumber(null)).toBe(0);
    expect(toNumber(undefined)).toBe(0);
    expect(toNumber(5)).toBe(5);
  });
});
