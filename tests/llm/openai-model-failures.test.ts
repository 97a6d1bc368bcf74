import { describe, expect, it } from 'vitest';
import { answerChunks, errorChunk, finishChunk, roleChunk, textChunk, toolCallChunk } from '../support/chunks.js';
import { DEFAULT_FAKE_ANSWER, scriptFromChunks, startFakeUpstream } from '../support/fake-upstream.js';
import { API_KEY, collect, expectAppError, request, useFakeUpstream } from './openai-model-harness.js';

/** Provider failures and hostile streams (security checklist 17). */

const h = useFakeUpstream();

describe('OpenAICompatibleModel: errors', () => {
  it('maps 401 to LLM_AUTH with the provider message and without the key', async () => {
    h.upstream.enqueue({ status: 401, errorBody: { error: { message: `Incorrect API key provided: ${API_KEY}.`, type: 'invalid_request_error' } } });
    const err = expectAppError(await collect(h.model()), 'LLM_AUTH');
    expect(err.message).toContain('401');
    expect(err.message).toContain('Incorrect API key provided');
  });

  it('maps 403 to LLM_AUTH', async () => {
    h.upstream.enqueue({ status: 403, errorBody: { error: { message: 'Project lacks access' } } });
    expect(expectAppError(await collect(h.model()), 'LLM_AUTH').message).toContain('Project lacks access');
  });

  it('maps 429 to LLM_RATE_LIMITED', async () => {
    h.upstream.enqueue({ status: 429, errorBody: { error: { message: 'Rate limit reached for requests' } } });
    expect(expectAppError(await collect(h.model()), 'LLM_RATE_LIMITED').message).toContain('Rate limit reached');
  });

  it('maps 500 to LLM_ERROR with the short provider message', async () => {
    h.upstream.enqueue({ status: 500, errorBody: { error: { message: 'The server had an error' } } });
    expect(expectAppError(await collect(h.model()), 'LLM_ERROR').message).toBe('Test model answered 500: The server had an error');
  });

  it('reads Ollama-style string errors', async () => {
    h.upstream.enqueue({ status: 404, errorBody: { error: 'model "llama9" not found, try pulling it first' } });
    expect(expectAppError(await collect(h.model()), 'LLM_ERROR').message).toContain('model "llama9" not found');
  });

  it('retries the initial request up to maxRetries', async () => {
    h.upstream.enqueue({ status: 503, headers: { 'retry-after-ms': '0' } });
    const outcome = await collect(h.model({ maxRetries: 1 }));
    expect(outcome.text).toBe(DEFAULT_FAKE_ANSWER);
    expect(h.sentRequests()).toHaveLength(2);
  });

  it('never retries a stream that broke mid-answer, and calls it incomplete', async () => {
    h.upstream.enqueue({ steps: [{ chunk: roleChunk() }, { chunk: textChunk('Half') }], cut: true });
    const outcome = await collect(h.model({ maxRetries: 2 }));
    expect(outcome.text).toBe('Half');
    expectAppError(outcome, 'LLM_STREAM_INCOMPLETE');
    expect(h.sentRequests()).toHaveLength(1);
  });

  it('maps connection refused to LLM_UNAVAILABLE', async () => {
    const closed = await startFakeUpstream();
    const baseURL = closed.baseUrl;
    await closed.close();
    const err = expectAppError(await collect(h.model({ baseURL })), 'LLM_UNAVAILABLE');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('maps an unknown host to LLM_UNAVAILABLE', async () => {
    expectAppError(await collect(h.model({ baseURL: 'http://no-such-host.invalid/v1', connectTimeoutMs: 3000 })), 'LLM_UNAVAILABLE');
  });

  it('maps a response that does not start within the connect timeout to LLM_UNAVAILABLE', async () => {
    h.upstream.enqueue({ delayMs: 1000 });
    const err = expectAppError(await collect(h.model({ connectTimeoutMs: 150 })), 'LLM_UNAVAILABLE');
    expect(err.message).toContain('did not answer in time');
  });

  it('surfaces an error object inside a 200 stream as LLM_ERROR, after the text before it', async () => {
    h.upstream.enqueue(scriptFromChunks([roleChunk(), textChunk('Partial '), errorChunk('Overloaded, try later', 'overloaded_error')]));
    const outcome = await collect(h.model());
    expect(outcome.text).toBe('Partial ');
    expect(expectAppError(outcome, 'LLM_ERROR').message).toContain('Overloaded, try later');
  });

  it('surfaces an `event: error` SSE event as LLM_ERROR', async () => {
    h.upstream.enqueue({ steps: [{ chunk: textChunk('x') }, { raw: 'event: error\ndata: {"message":"quota exhausted"}\n\n' }] });
    expect(expectAppError(await collect(h.model()), 'LLM_ERROR').message).toContain('quota exhausted');
  });

  it('maps a chunk that is not JSON to LLM_ERROR', async () => {
    h.upstream.enqueue({ steps: [{ chunk: textChunk('x') }, { raw: 'data: {"choices": [\n\n' }] });
    expectAppError(await collect(h.model()), 'LLM_ERROR');
  });

  it('marks a stream that ends without finish_reason and without [DONE] as incomplete', async () => {
    h.upstream.enqueue({ ...scriptFromChunks([roleChunk(), textChunk('Cut off')]), done: false });
    const outcome = await collect(h.model());
    expect(outcome.text).toBe('Cut off');
    expectAppError(outcome, 'LLM_STREAM_INCOMPLETE');
  });
});

describe('OpenAICompatibleModel: hostile streams', () => {
  it('stops with LLM_STALLED when no chunk arrives for stallMs, and closes the upstream request', async () => {
    h.upstream.enqueue({ steps: [{ chunk: roleChunk() }, { chunk: textChunk('Thinking') }], hang: true });
    const outcome = await collect(h.model({ stallMs: 150 }));
    expect(outcome.text).toBe('Thinking');
    expectAppError(outcome, 'LLM_STALLED');
    await h.upstream.waitForAbortOf(h.sentRequests()[0]);
  });

  it('does not let keep-alive comments hide a stall', async () => {
    const pings = Array.from({ length: 40 }, () => ({ raw: ': ping\n\n', delayMs: 40 }));
    h.upstream.enqueue({ steps: [{ chunk: textChunk('x') }, ...pings], hang: true });
    expectAppError(await collect(h.model({ stallMs: 200 })), 'LLM_STALLED');
  });

  it('does not count a slow consumer as an upstream stall', async () => {
    h.upstream.enqueue(scriptFromChunks(answerChunks('one two three')));
    let text = '';
    for await (const event of h.model({ stallMs: 100 }).stream(request())) {
      if (event.type === 'text') text += event.text;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(text).toBe('one two three');
  });

  it('refuses 50 MB of tool arguments in one event without buffering it all', async () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    h.upstream.enqueue(scriptFromChunks([roleChunk(), toolCallChunk({ index: 0, id: 'call_big', name: 'f', arguments: huge }), finishChunk('tool_calls')]));
    expectAppError(await collect(h.model()), 'LLM_RESPONSE_TOO_LARGE');
    await h.upstream.waitForAbortOf(h.sentRequests()[0], 15_000);
  });

  it('refuses 50 MB of tool arguments streamed in small fragments', async () => {
    const fragment = toolCallChunk({ index: 0, arguments: 'y'.repeat(8192) });
    const steps = Array.from({ length: (50 * 1024 * 1024) / 8192 }, () => ({ chunk: fragment }));
    h.upstream.enqueue({ steps: [{ chunk: toolCallChunk({ index: 0, id: 'call_big', name: 'f', arguments: '' }) }, ...steps] });
    expectAppError(await collect(h.model()), 'LLM_RESPONSE_TOO_LARGE');
    await h.upstream.waitForAbortOf(h.sentRequests()[0], 15_000);
  });

  it('caps the answer text at maxResponseChars', async () => {
    h.upstream.enqueue(scriptFromChunks(answerChunks('word '.repeat(2000))));
    const outcome = await collect(h.model({ maxResponseChars: 1000 }));
    expectAppError(outcome, 'LLM_RESPONSE_TOO_LARGE');
    expect(outcome.text.length).toBeLessThanOrEqual(1000);
  });
});

