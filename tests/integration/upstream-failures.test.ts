import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, errorChunk, textChunk } from '../support/chunks.js';
import type { FakeScript } from '../support/fake-upstream.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { STREAM_STALL_MS: '300', LLM_MAX_RETRIES: '0' } });
});
afterAll(async () => g.close());

async function turnWith(email: string, script: FakeScript) {
  const { client } = await g.open({ email });
  g.upstream.enqueue(script);
  client.send({ type: 'send', text: 'go' });
  const start = await client.next('message-start');
  const error = await client.next('error');
  const end = await client.next('message-end');
  client.close();
  return { start, error, end, text: client.textOf(start.id) };
}

describe('upstream failures end the turn with a clear error and keep partial text', () => {
  it.each([
    [401, 'LLM_AUTH'],
    [429, 'LLM_RATE_LIMITED'],
    [500, 'LLM_ERROR'],
    [503, 'LLM_ERROR'],
  ])('HTTP %i → %s', async (status, code) => {
    const r = await turnWith(`http${status}@example.com`, { status, errorBody: { error: { message: 'upstream said no', type: 'x' } } });
    expect(r.error).toMatchObject({ code, messageId: r.start.id });
    expect(r.end).toMatchObject({ id: r.start.id, finishReason: 'error', incomplete: true, error: { code } });
  });

  it('an error inside a 200 stream keeps the text streamed before it', async () => {
    const r = await turnWith('midstream@example.com', { steps: [{ chunk: textChunk('partial ') }, { chunk: textChunk('answer') }, { chunk: errorChunk('overloaded mid-stream') }] });
    expect(r.error.code).toBe('LLM_ERROR');
    expect(r.text).toBe('partial answer');
    expect(r.end.incomplete).toBe(true);
  });

  it('a stream that ends without finish_reason is marked incomplete', async () => {
    const r = await turnWith('truncated@example.com', { steps: [{ chunk: textChunk('cut off') }] });
    expect(r.error.code).toBe('LLM_STREAM_INCOMPLETE');
    expect(r.text).toBe('cut off');
  });

  it('a stalled stream is aborted after STREAM_STALL_MS', async () => {
    const aborts = g.upstream.aborts;
    const r = await turnWith('stalled@example.com', { steps: [{ chunk: textChunk('then silence') }], hang: true });
    expect(r.error.code).toBe('LLM_STALLED');
    expect(r.text).toBe('then silence');
    await g.upstream.waitForAborts(aborts + 1, 2000);
  });

  it('never leaks the API key in errors or events', async () => {
    const r = await turnWith('leak@example.com', { status: 401, errorBody: { error: { message: 'Incorrect API key provided: sk-upstream-secret-key-0123456789' } } });
    expect(JSON.stringify(r)).not.toContain('sk-upstream-secret-key-0123456789');
  });

  it('a refused connection reports LLM_UNAVAILABLE', async () => {
    const dead = await startGalaxy({
      env: { LLM_MAX_RETRIES: '0' },
      extraModels: ['  - name: dead', '    provider: openai-compatible', '    base_url: http://127.0.0.1:9/v1', '    api_key: whatever-key', '    model_name: m'].join('\n'),
    });
    try {
      const { client } = await dead.open({ email: 'dead@example.com' });
      client.send({ type: 'select-model', model: 'dead' });
      await client.next('model-selected');
      client.send({ type: 'send', text: 'hello?' });
      expect(await client.next('error')).toMatchObject({ code: 'LLM_UNAVAILABLE' });
      expect(await client.next('message-end')).toMatchObject({ incomplete: true });
      client.close();
    } finally {
      await dead.close();
    }
  });

  it('the next turn works after a failure', async () => {
    const { client } = await g.open({ email: 'recover@example.com' });
    g.upstream.enqueue({ status: 500 }, { steps: answerChunks('fine now').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'one' });
    await client.next('message-end');
    client.send({ type: 'send', text: 'two' });
    const start = await client.next((e) => e.type === 'message-start' && client.all('message-start').length === 2);
    await client.next((e) => e.type === 'message-end' && e.id === start.id);
    expect(client.textOf(start.id)).toBe('fine now');
    client.close();
  });
});
