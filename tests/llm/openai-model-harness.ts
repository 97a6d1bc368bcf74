import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { AppError } from '../../server/errors.js';
import { OpenAICompatibleModel, type OpenAICompatibleModelOptions } from '../../server/llm/openai-model.js';
import type { ModelEvent, StreamRequest } from '../../server/llm/types.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.js';

/** Shared set-up for the OpenAICompatibleModel test files: one fake upstream per file. */

export const API_KEY = 'sk-test-SECRET-0123456789abcdef';

export interface Harness {
  readonly upstream: FakeUpstream;
  /** A model pointed at the fake upstream, with small, test-friendly limits. */
  model(overrides?: Partial<OpenAICompatibleModelOptions>): OpenAICompatibleModel;
  /** Requests the upstream received during the current test. */
  sentRequests(): RecordedRequest[];
}

/** Registers the hooks that start and stop the file's fake upstream. */
export function useFakeUpstream(): Harness {
  let upstream: FakeUpstream | undefined;
  let requestsBefore = 0;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });
  beforeEach(() => {
    requestsBefore = upstream?.requests.length ?? 0;
  });
  const running = () => {
    if (!upstream) throw new Error('the fake upstream is not running');
    return upstream;
  };
  return {
    get upstream() {
      return running();
    },
    model: (overrides = {}) =>
      new OpenAICompatibleModel({
        name: 'test',
        label: 'Test model',
        provider: 'openai-compatible',
        baseURL: running().baseUrl,
        apiKey: API_KEY,
        modelName: 'fake-model',
        maxRetries: 0,
        connectTimeoutMs: 5000,
        stallMs: 5000,
        maxResponseChars: 200_000,
        maxToolArgsChars: 100_000,
        ...overrides,
      }),
    sentRequests: () => running().requests.slice(requestsBefore),
  };
}

export function request(overrides: Partial<StreamRequest> = {}): StreamRequest {
  return { messages: [{ role: 'user', text: 'hi' }], tools: [], signal: new AbortController().signal, ...overrides };
}

export interface Outcome {
  text: string;
  deltas: string[];
  done?: Extract<ModelEvent, { type: 'done' }>;
  error?: unknown;
}

/** Runs a stream to its end, keeping what it yielded and what it threw. */
export async function collect(model: OpenAICompatibleModel, req: StreamRequest = request()): Promise<Outcome> {
  const outcome: Outcome = { text: '', deltas: [] };
  try {
    for await (const event of model.stream(req)) {
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

/** Asserts the stream failed with this code, and that the key appears nowhere in the message. */
export function expectAppError(outcome: Outcome, code: string): AppError {
  expect(outcome.error, `expected ${code}, stream ended with ${JSON.stringify(outcome.done)}`).toBeInstanceOf(AppError);
  const err = outcome.error as AppError;
  expect(err.code).toBe(code);
  expect(err.message).not.toContain(API_KEY);
  expect(err.message).not.toContain('SECRET');
  return err;
}
