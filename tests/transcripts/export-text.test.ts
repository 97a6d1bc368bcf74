import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTranscriptText } from '../../server/transcripts/export-text.js';

/** The .txt export of a transcript with a tool round: order kept, parts separated, answers numbered. */

let dir: string;
const SESSION = 'sess_export_1';
const at = (second: number) => `2026-12-01T10:00:${String(second).padStart(2, '0')}.000Z`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'galaxy-export-'));
  const records = [
    { at: at(0), kind: 'session-start', sessionId: SESSION, user: 'a@example.com', model: 'demo' },
    { at: at(1), kind: 'user-message', messageId: 'u_1', text: 'What is 6 * 7?' },
    { at: at(2), kind: 'model-call', messageId: 'msg_internal_a', model: 'demo', round: 1, text: 'Let me calculate that.', toolCalls: 1 },
    { at: at(3), kind: 'tool-call', messageId: 'msg_internal_a', name: 'basic_math', args: { expression: '6 * 7' } },
    { at: at(4), kind: 'tool-result', messageId: 'msg_internal_a', name: 'basic_math', content: '42' },
    { at: at(5), kind: 'model-call', messageId: 'msg_internal_a', model: 'demo', round: 2, text: 'The answer is 42.', toolCalls: 0 },
    { at: at(6), kind: 'assistant-message', messageId: 'msg_internal_a', model: 'demo', text: 'Let me calculate that.The answer is 42.', incomplete: false },
    { at: at(7), kind: 'feedback', messageId: 'msg_internal_a', rating: 'good' },
  ];
  await writeFile(join(dir, `${SESSION}.jsonl`), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportTranscriptText', () => {
  it('puts the text that announced a tool call before it, keeps the parts apart, and numbers answers', async () => {
    const text = await exportTranscriptText(dir, SESSION, 'a@example.com', 'Galaxy');
    const announce = text.indexOf('Let me calculate that.');
    const call = text.indexOf('Tool call basic_math');
    const result = text.indexOf('Tool result (basic_math)');
    const answer = text.indexOf('The answer is 42.');
    expect(announce).toBeGreaterThan(-1);
    expect(announce).toBeLessThan(call);
    expect(call).toBeLessThan(result);
    expect(result).toBeLessThan(answer);
    expect(text).not.toContain('that.The answer'); // never glued
    expect(text.match(/The answer is 42\./g)).toHaveLength(1);
    expect(text).toContain('] Answer 1 (demo):\nLet me calculate that.');
    expect(text).toContain('Feedback on Answer 1: good');
    expect(text).not.toContain('msg_internal_a');
  });
});
