import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { OpenAICompatibleModel, type OpenAICompatibleModelOptions } from '../../server/llm/openai-model.js';
import type { AccumulatedAnswer } from '../../server/llm/stream-accumulator.js';
import type { ModelEvent, StreamRequest, ToolSpec } from '../../server/llm/types.js';
import { expectMatchesFixture, providerQuirks, type QuirkFixture } from '../fixtures/provider-quirks.js';
import { answerChunks, errorChunk, finishChunk, roleChunk, textChunk, toolCallChunk } from '../support/chunks.js';
import { DEFAULT_FAKE_ANSWER, scriptFromChunks, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';

const API_KEY = 'sk-test-SECRET-0123456789abcdef';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
});
let requestsBefore = 0;
beforeEach(() => {
  requestsBefore = upstream.requests.length;
});

function model(overrides: Partial<OpenAICompatibleModelOptions> = {}): OpenAICompatibleModel {
  return new OpenAICompatibleModel({
    name: 'test',
    label: 'Test model',
    provider: 'openai-compatible',
    baseURL: upstream.baseUrl,
    apiKey: API_KEY,
    modelName: 'fake-model',
    maxRetries: 0,
    connectTimeoutMs: 5000,
    stallMs: 5000,
    maxResponseChars: 200_000,
    maxToolArgsChars: 100_000,
    ...overrides,
  });
}

function request(overrides: Partial<StreamRequest> = {}): StreamRequest {
  return { messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal, ...overrides };
}

interface Outcome {
  text: string;
  deltas: string[];
  done?: Extract<ModelEvent, { type: 'done' }>;
  error?: unknown;
}

async function collect(m: OpenAICompatibleModel, req: StreamRequest = request()): Promise<Outcome> {
  const outcome: Outcome = { text: '', deltas: [] };
  try {
    for await (const event of m.stream(req)) {
      if (event.type === 'text') {
        outcome.deltas.push(event.text);
        outcome.text += event.text;
      } else outcome.done = event;
    }
  } catch (err) {
    outcome.error = err;
  }
  return outcome;
}

function expectAppError(outcome: Outcome, code: string): AppError {
  expect(outcome.error, `expected ${code}, stream ended with ${JSON.stringify(outcome.done)}`).toBeInstanceOf(AppError);
  const err = outcome.error as AppError;
  expect(err.code).toBe(code);
  expect(err.message).not.toContain(API_KEY);
  expect(err.message).not.toContain('SECRET');
  return err;
}

const sentRequests = () => upstream.requests.slice(requestsBefore);

describe('OpenAICompatibleModel: streaming', () => {
  it('streams text deltas as they come, then one done with usage', async () => {
    const outcome = await collect(model());
    expect(outcome.error).toBeUndefined();
    expect(outcome.text).toBe(DEFAULT_FAKE_ANSWER);
    expect(outcome.deltas.length).toBeGreaterThan(1);
    expect(outcome.done).toEqual({ type: 'done', finishReason: 'stop', toolCalls: [], usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 } });
  });

  it('sends the model, messages, stream options and key, and omits an empty tools list', async () => {
    await collect(model());
    const [sent] = sentRequests();
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent?.body).toMatchObject({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(sent?.body).not.toHaveProperty('tools');
    expect(sent?.body).not.toHaveProperty('max_tokens');
  });

  it('sends tools, the output-token cap, and null content for a tools-only assistant turn', async () => {
    const tool: ToolSpec = { type: 'function', function: { name: 'basic_math', description: 'math', parameters: { type: 'object' } } };
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'basic_math', arguments: '{}' } };
    await collect(
      model({ maxOutputTokens: 256 }),
      request({
        tools: [tool],
        messages: [
          { role: 'user', content: '2+2' },
          { role: 'assistant', content: '', tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_1', content: '4' },
        ],
      }),
    );
    const body = sentRequests()[0]?.body;
    expect(body.tools).toEqual([tool]);
    expect(body.max_tokens).toBe(256);
    expect(body.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [call] });
  });

  it('uses max_completion_tokens for OpenAI itself', async () => {
    await collect(model({ provider: 'openai', maxOutputTokens: 100 }));
    const body = sentRequests()[0]?.body;
    expect(body.max_completion_tokens).toBe(100);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('reads SSE with CRLF line ends, comments and events split across writes', async () => {
    const payload = `data: ${JSON.stringify(textChunk('split'))}\r\n\r\n`;
    upstream.enqueue({
      steps: [
        { raw: ': keep-alive\r\n\r\n' },
        { raw: payload.slice(0, 17) },
        { raw: payload.slice(17), delayMs: 5 },
        { raw: `data: ${JSON.stringify(finishChunk('stop'))}\r` },
        { raw: '\n\r\n', delayMs: 5 },
      ],
    });
    const outcome = await collect(model());
    expect(outcome.text).toBe('split');
    expect(outcome.done?.finishReason).toBe('stop');
  });
});

describe('OpenAICompatibleModel: every provider quirk through the real SDK', () => {
  for (const [name, fixture] of Object.entries(providerQuirks) as Array<[string, QuirkFixture]>) {
    it(name, async () => {
      upstream.enqueue(scriptFromChunks(fixture.chunks));
      const outcome = await collect(model());
      if ('error' in fixture.expected) {
        expectAppError(outcome, fixture.expected.error);
        return;
      }
      expect(outcome.error).toBeUndefined();
      const { type: _type, ...answer } = outcome.done as Extract<ModelEvent, { type: 'done' }>;
      expectMatchesFixture(fixture, outcome.text, answer as AccumulatedAnswer);
    });
  }
});

describe('OpenAICompatibleModel: errors', () => {
  it('maps 401 to LLM_AUTH with the provider message and without the key', async () => {
    upstream.enqueue({ status: 401, errorBody: { error: { message: `Incorrect API key provided: ${API_KEY}.`, type: 'invalid_request_error' } } });
    const err = expectAppError(await collect(model()), 'LLM_AUTH');
    expect(err.message).toContain('401');
    expect(err.message).toContain('Incorrect API key provided');
  });

  it('maps 403 to LLM_AUTH', async () => {
    upstream.enqueue({ status: 403, errorBody: { error: { message: 'Project lacks access' } } });
    expect(expectAppError(await collect(model()), 'LLM_AUTH').message).toContain('Project lacks access');
  });

  it('maps 429 to LLM_RATE_LIMITED', async () => {
    upstream.enqueue({ status: 429, errorBody: { error: { message: 'Rate limit reached for requests' } } });
    expect(expectAppError(await collect(model()), 'LLM_RATE_LIMITED').message).toContain('Rate limit reached');
  });

  it('maps 500 to LLM_ERROR with the short provider message', async () => {
    upstream.enqueue({ status: 500, errorBody: { error: { message: 'The server had an error' } } });
    expect(expectAppError(await collect(model()), 'LLM_ERROR').message).toBe('Test model answered 500: The server had an error');
  });

  it('reads Ollama-style string errors', async () => {
    upstream.enqueue({ status: 404, errorBody: { error: 'model "llama9" not found, try pulling it first' } });
    expect(expectAppError(await collect(model()), 'LLM_ERROR').message).toContain('model "llama9" not found');
  });

  it('retries the initial request up to maxRetries', async () => {
    upstream.enqueue({ status: 503, headers: { 'retry-after-ms': '0' } });
    const outcome = await collect(model({ maxRetries: 1 }));
    expect(outcome.text).toBe(DEFAULT_FAKE_ANSWER);
    expect(sentRequests()).toHaveLength(2);
  });

  it('never retries a stream that broke mid-answer, and calls it incomplete', async () => {
    upstream.enqueue({ steps: [{ chunk: roleChunk() }, { chunk: textChunk('Half') }], cut: true });
    const outcome = await collect(model({ maxRetries: 2 }));
    expect(outcome.text).toBe('Half');
    expectAppError(outcome, 'LLM_STREAM_INCOMPLETE');
    expect(sentRequests()).toHaveLength(1);
  });

  it('maps connection refused to LLM_UNAVAILABLE', async () => {
    const closed = await startFakeUpstream();
    const baseURL = closed.baseUrl;
    await closed.close();
    const err = expectAppError(await collect(model({ baseURL })), 'LLM_UNAVAILABLE');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('maps an unknown host to LLM_UNAVAILABLE', async () => {
    expectAppError(await collect(model({ baseURL: 'http://no-such-host.invalid/v1', connectTimeoutMs: 3000 })), 'LLM_UNAVAILABLE');
  });

  it('maps a response that does not start within the connect timeout to LLM_UNAVAILABLE', async () => {
    upstream.enqueue({ delayMs: 1000 });
    const err = expectAppError(await collect(model({ connectTimeoutMs: 150 })), 'LLM_UNAVAILABLE');
    expect(err.message).toContain('did not answer in time');
  });

  it('surfaces an error object inside a 200 stream as LLM_ERROR, after the text before it', async () => {
    upstream.enqueue(scriptFromChunks([roleChunk(), textChunk('Partial '), errorChunk('Overloaded, try later', 'overloaded_error')]));
    const outcome = await collect(model());
    expect(outcome.text).toBe('Partial ');
    expect(expectAppError(outcome, 'LLM_ERROR').message).toContain('Overloaded, try later');
  });

  it('surfaces an `event: error` SSE event as LLM_ERROR', async () => {
    upstream.enqueue({ steps: [{ chunk: textChunk('x') }, { raw: 'event: error\ndata: {"message":"quota exhausted"}\n\n' }] });
    expect(expectAppError(await collect(model()), 'LLM_ERROR').message).toContain('quota exhausted');
  });

  it('maps a chunk that is not JSON to LLM_ERROR', async () => {
    upstream.enqueue({ steps: [{ chunk: textChunk('x') }, { raw: 'data: {"choices": [\n\n' }] });
    expectAppError(await collect(model()), 'LLM_ERROR');
  });

  it('marks a stream that ends without finish_reason and without [DONE] as incomplete', async () => {
    upstream.enqueue({ ...scriptFromChunks([roleChunk(), textChunk('Cut off')]), done: false });
    const outcome = await collect(model());
    expect(outcome.text).toBe('Cut off');
    expectAppError(outcome, 'LLM_STREAM_INCOMPLETE');
  });
});

describe('OpenAICompatibleModel: hostile streams', () => {
  it('stops with LLM_STALLED when no chunk arrives for stallMs, and closes the upstream request', async () => {
    upstream.enqueue({ steps: [{ chunk: roleChunk() }, { chunk: textChunk('Thinking') }], hang: true });
    const outcome = await collect(model({ stallMs: 150 }));
    expect(outcome.text).toBe('Thinking');
    expectAppError(outcome, 'LLM_STALLED');
    await upstream.waitForAbortOf(sentRequests()[0]);
  });

  it('does not let keep-alive comments hide a stall', async () => {
    const pings = Array.from({ length: 40 }, () => ({ raw: ': ping\n\n', delayMs: 40 }));
    upstream.enqueue({ steps: [{ chunk: textChunk('x') }, ...pings], hang: true });
    expectAppError(await collect(model({ stallMs: 200 })), 'LLM_STALLED');
  });

  it('does not count a slow consumer as an upstream stall', async () => {
    upstream.enqueue(scriptFromChunks(answerChunks('one two three')));
    let text = '';
    for await (const event of model({ stallMs: 100 }).stream(request())) {
      if (event.type === 'text') text += event.text;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(text).toBe('one two three');
  });

  it('refuses 50 MB of tool arguments in one event without buffering it all', async () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    upstream.enqueue(scriptFromChunks([roleChunk(), toolCallChunk({ index: 0, id: 'call_big', name: 'f', arguments: huge }), finishChunk('tool_calls')]));
    expectAppError(await collect(model()), 'LLM_RESPONSE_TOO_LARGE');
    await upstream.waitForAbortOf(sentRequests()[0], 15_000);
  });

  it('refuses 50 MB of tool arguments streamed in small fragments', async () => {
    const fragment = toolCallChunk({ index: 0, arguments: 'y'.repeat(8192) });
    const steps = Array.from({ length: (50 * 1024 * 1024) / 8192 }, () => ({ chunk: fragment }));
    upstream.enqueue({ steps: [{ chunk: toolCallChunk({ index: 0, id: 'call_big', name: 'f', arguments: '' }) }, ...steps] });
    expectAppError(await collect(model()), 'LLM_RESPONSE_TOO_LARGE');
    await upstream.waitForAbortOf(sentRequests()[0], 15_000);
  });

  it('caps the answer text at maxResponseChars', async () => {
    upstream.enqueue(scriptFromChunks(answerChunks('word '.repeat(2000))));
    const outcome = await collect(model({ maxResponseChars: 1000 }));
    expectAppError(outcome, 'LLM_RESPONSE_TOO_LARGE');
    expect(outcome.text.length).toBeLessThanOrEqual(1000);
  });
});

describe('OpenAICompatibleModel: stop', () => {
  it('aborts the upstream request when the caller aborts, and rejects with the abort reason', async () => {
    upstream.enqueue(scriptFromChunks(answerChunks('a b c d e f g h i j k l m n o p'), { delayMs: 30 }));
    const controller = new AbortController();
    const reason = new Error('stopped by user');
    const outcome: Outcome = { text: '', deltas: [] };
    try {
      for await (const event of model().stream(request({ signal: controller.signal }))) {
        if (event.type === 'text') outcome.text += event.text;
        if (outcome.text.length > 0) controller.abort(reason);
      }
    } catch (err) {
      outcome.error = err;
    }
    expect(outcome.error).toBe(reason);
    await upstream.waitForAbortOf(sentRequests()[0]);
  });

  it('aborts while waiting for the response headers', async () => {
    upstream.enqueue({ delayMs: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await collect(model(), request({ signal: controller.signal }));
    expect((outcome.error as Error).name).toBe('AbortError');
    await upstream.waitForAbortOf(sentRequests()[0]);
  });

  it('rejects at once for an already-aborted signal without calling the provider', async () => {
    const outcome = await collect(model(), request({ signal: AbortSignal.abort() }));
    expect((outcome.error as Error).name).toBe('AbortError');
    expect(sentRequests()).toHaveLength(0);
  });

  it('aborts the upstream request when the consumer stops iterating', async () => {
    upstream.enqueue(scriptFromChunks(answerChunks('a b c d e f g h'), { delayMs: 30 }));
    for await (const event of model().stream(request())) {
      if (event.type === 'text') break;
    }
    await upstream.waitForAbortOf(sentRequests()[0]);
  });
});

describe('OpenAICompatibleModel: ping', () => {
  it('sends a tiny non-streaming request and resolves', async () => {
    await model().ping(AbortSignal.timeout(5000));
    const body = sentRequests()[0]?.body;
    expect(body).toMatchObject({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(body.stream).toBeUndefined();
  });

  it('fails with the mapped error code', async () => {
    upstream.enqueuePing({ status: 401, errorBody: { error: { message: 'bad key' } } });
    await expect(model().ping(AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'LLM_AUTH' });
  });

  it('fails with LLM_UNAVAILABLE when the signal times out', async () => {
    upstream.enqueuePing({ hang: true });
    await expect(model().ping(AbortSignal.timeout(100))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
  });
});

describe('OpenAICompatibleModel: connections', () => {
  it('reuses keep-alive connections for consecutive answers and never looks like an abort', async () => {
    const own = await startFakeUpstream();
    try {
      const m = model({ baseURL: own.baseUrl });
      for (let i = 0; i < 3; i += 1) expect((await collect(m)).text).toBe(DEFAULT_FAKE_ANSWER);
      own.enqueue({ steps: [{ chunk: textChunk('late end') }, { chunk: finishChunk('stop') }, { raw: 'data: [DONE]\n\n' }, { raw: '', delayMs: 50 }], done: false });
      expect((await collect(m)).text).toBe('late end');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await collect(m)).text).toBe(DEFAULT_FAKE_ANSWER);
      expect(own.requests).toHaveLength(5);
      // The body's last bytes are drained in the background after [DONE], so a request sent at that
      // very moment may open a second connection; after that the pool is reused.
      expect(own.connections).toBeLessThanOrEqual(2);
      expect(own.aborts).toBe(0);
    } finally {
      await own.close();
    }
  });
});
