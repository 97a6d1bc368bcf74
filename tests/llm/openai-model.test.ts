import { describe, expect, it } from 'vitest';
import type { AccumulatedAnswer } from '../../server/llm/stream-accumulator.js';
import type { ModelEvent, ToolSpec } from '../../server/llm/types.js';
import { expectMatchesFixture, providerQuirks, type QuirkFixture } from '../fixtures/provider-quirks.js';
import { answerChunks, finishChunk, textChunk } from '../support/chunks.js';
import { DEFAULT_FAKE_ANSWER, scriptFromChunks, startFakeUpstream } from '../support/fake-upstream.js';
import { API_KEY, collect, expectAppError, request, useFakeUpstream, type Outcome } from './openai-model-harness.js';

const h = useFakeUpstream();

describe('OpenAICompatibleModel: streaming', () => {
  it('streams text deltas as they come, then one done with usage', async () => {
    const outcome = await collect(h.model());
    expect(outcome.error).toBeUndefined();
    expect(outcome.text).toBe(DEFAULT_FAKE_ANSWER);
    expect(outcome.deltas.length).toBeGreaterThan(1);
    expect(outcome.done).toEqual({ type: 'done', finishReason: 'stop', toolCalls: [], usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 } });
  });

  it('sends the model, messages, stream options and key, and omits an empty tools list', async () => {
    await collect(h.model());
    const [sent] = h.sentRequests();
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
      h.model({ maxOutputTokens: 256 }),
      request({
        tools: [tool],
        messages: [
          { role: 'user', text: '2+2' },
          { role: 'assistant', text: '', toolCalls: [call] },
          { role: 'tool', toolCallId: 'call_1', text: '4' },
        ],
      }),
    );
    const body = h.sentRequests()[0]?.body;
    expect(body.tools).toEqual([tool]);
    expect(body.max_tokens).toBe(256);
    expect(body.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [call] });
  });

  it('uses max_completion_tokens for OpenAI itself', async () => {
    await collect(h.model({ provider: 'openai', maxOutputTokens: 100 }));
    const body = h.sentRequests()[0]?.body;
    expect(body.max_completion_tokens).toBe(100);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('reads SSE with CRLF line ends, comments and events split across writes', async () => {
    const payload = `data: ${JSON.stringify(textChunk('split'))}\r\n\r\n`;
    h.upstream.enqueue({
      steps: [
        { raw: ': keep-alive\r\n\r\n' },
        { raw: payload.slice(0, 17) },
        { raw: payload.slice(17), delayMs: 5 },
        { raw: `data: ${JSON.stringify(finishChunk('stop'))}\r` },
        { raw: '\n\r\n', delayMs: 5 },
      ],
    });
    const outcome = await collect(h.model());
    expect(outcome.text).toBe('split');
    expect(outcome.done?.finishReason).toBe('stop');
  });
});

describe('OpenAICompatibleModel: every provider quirk through the real SDK', () => {
  for (const [name, fixture] of Object.entries(providerQuirks) as Array<[string, QuirkFixture]>) {
    it(name, async () => {
      h.upstream.enqueue(scriptFromChunks(fixture.chunks));
      const outcome = await collect(h.model());
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

describe('OpenAICompatibleModel: stop', () => {
  it('aborts the upstream request when the caller aborts, and rejects with the abort reason', async () => {
    h.upstream.enqueue(scriptFromChunks(answerChunks('a b c d e f g h i j k l m n o p'), { delayMs: 30 }));
    const controller = new AbortController();
    const reason = new Error('stopped by user');
    const outcome: Outcome = { text: '', deltas: [] };
    try {
      for await (const event of h.model().stream(request({ signal: controller.signal }))) {
        if (event.type === 'text') outcome.text += event.text;
        if (outcome.text.length > 0) controller.abort(reason);
      }
    } catch (err) {
      outcome.error = err;
    }
    expect(outcome.error).toBe(reason);
    await h.upstream.waitForAbortOf(h.sentRequests()[0]);
  });

  it('aborts while waiting for the response headers', async () => {
    h.upstream.enqueue({ delayMs: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await collect(h.model(), request({ signal: controller.signal }));
    expect((outcome.error as Error).name).toBe('AbortError');
    await h.upstream.waitForAbortOf(h.sentRequests()[0]);
  });

  it('rejects at once for an already-aborted signal without calling the provider', async () => {
    const outcome = await collect(h.model(), request({ signal: AbortSignal.abort() }));
    expect((outcome.error as Error).name).toBe('AbortError');
    expect(h.sentRequests()).toHaveLength(0);
  });

  it('aborts the upstream request when the consumer stops iterating', async () => {
    h.upstream.enqueue(scriptFromChunks(answerChunks('a b c d e f g h'), { delayMs: 30 }));
    for await (const event of h.model().stream(request())) {
      if (event.type === 'text') break;
    }
    await h.upstream.waitForAbortOf(h.sentRequests()[0]);
  });
});

describe('OpenAICompatibleModel: ping', () => {
  it('sends a tiny non-streaming request and resolves', async () => {
    await h.model().ping(AbortSignal.timeout(5000));
    const body = h.sentRequests()[0]?.body;
    expect(body).toMatchObject({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(body.stream).toBeUndefined();
  });

  it('fails with the mapped error code', async () => {
    h.upstream.enqueuePing({ status: 401, errorBody: { error: { message: 'bad key' } } });
    await expect(h.model().ping(AbortSignal.timeout(5000))).rejects.toMatchObject({ code: 'LLM_AUTH' });
  });

  it('fails with LLM_UNAVAILABLE when the signal times out', async () => {
    h.upstream.enqueuePing({ hang: true });
    await expect(h.model().ping(AbortSignal.timeout(100))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
  });
});

describe('OpenAICompatibleModel: connections', () => {
  it('reuses keep-alive connections for consecutive answers and never looks like an abort', async () => {
    const own = await startFakeUpstream();
    try {
      const m = h.model({ baseURL: own.baseUrl });
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
