import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { AppError } from '../errors.js';
import { SseDecoder } from './sse-decoder.js';
import { StreamAccumulator } from './stream-accumulator.js';
import { toOpenAIMessage } from './openai-wire.js';
import type { ChatModel, ModelEvent, StreamRequest } from './types.js';
import { bodyReader, nodeFetch, type ChunkReader } from './node-fetch.js';
import { loadOpenAI } from './openai-sdk.js';
import { requestError, streamedProviderError, streamReadError } from './upstream-errors.js';
import { StallWatchdog } from './stall-watchdog.js';

/**
 * One model behind an OpenAI-compatible chat-completions endpoint: OpenAI itself, Anthropic's
 * OpenAI-compatible endpoint (https://api.anthropic.com/v1/), Ollama's `/v1`, vLLM, LiteLLM, …
 *
 * The SDK sends the request (auth, retries of the initial request, status-error mapping); we take
 * its raw response (`.asResponse()`) and read the SSE body ourselves, because the SDK's decoder is
 * several times slower per chunk and degrades quadratically on one huge event (see sse-decoder.ts).
 *
 * Stop: when `request.signal` aborts, the upstream HTTP request is aborted (the provider sees the
 * connection close) and `stream()` rejects with `request.signal.reason` — the caller's own abort
 * reason (a DOMException named 'AbortError' unless it passed one). Callers recognise a stop by
 * checking `signal.aborted`, not by the error's type. Leaving the loop early (`break`) also aborts
 * the upstream request.
 */

export interface OpenAICompatibleModelOptions {
  /** Our id for the model, as in config/llms.yml (`name`). */
  name: string;
  label: string;
  /** openai | anthropic | ollama | openai-compatible — also decides the output-token parameter's name. */
  provider: string;
  baseURL: string;
  /** Providers without auth (Ollama) still need a non-empty placeholder; the SDK refuses an empty key. */
  apiKey: string;
  /** The variable `api_key` names, which a tenant's credentials may override per call. */
  apiKeyVariable?: string;
  /** The provider's model id (`model_name`). */
  modelName: string;
  /** Cap on output tokens per call; 0 or undefined leaves the provider's default. */
  maxOutputTokens?: number;
  /** SDK retries of the initial request only (connection errors, 408/409/429/5xx); a stream is never retried. */
  maxRetries: number;
  /** How long to wait for the response headers. */
  connectTimeoutMs: number;
  /** How long the stream may stay silent (no data chunk) before we abort it with LLM_STALLED. */
  stallMs: number;
  maxResponseChars: number;
  maxToolArgsChars: number;
  /** For tests: a custom fetch. */
  fetch?: typeof fetch;
}

/** Room for JSON syntax and escaping around the largest text or arguments one chunk can legitimately carry. */
const EVENT_SIZE_FACTOR = 2;
const EVENT_SIZE_SLACK = 64 * 1024;

export class OpenAICompatibleModel implements ChatModel {
  readonly name: string;
  readonly label: string;
  readonly provider: string;
  readonly demo = false;
  private readonly options: OpenAICompatibleModelOptions;
  private client: Promise<OpenAI> | undefined;
  private readonly maxEventChars: number;

  constructor(options: OpenAICompatibleModelOptions) {
    this.name = options.name;
    this.label = options.label;
    this.provider = options.provider;
    this.options = options;
    this.maxEventChars = EVENT_SIZE_FACTOR * (options.maxResponseChars + options.maxToolArgsChars) + EVENT_SIZE_SLACK;
  }

  /** The SDK client, created on first use (the SDK itself loads lazily, see openai-sdk.ts). */
  private sdk(): Promise<OpenAI> {
    this.client ??= this.createClient();
    return this.client;
  }

  private async createClient(): Promise<OpenAI> {
    const options = this.options;
    const { default: OpenAISdk } = await loadOpenAI();
    return new OpenAISdk({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      maxRetries: options.maxRetries,
      timeout: options.connectTimeoutMs,
      // Explicit nulls stop the SDK from reading OPENAI_* variables from process.env on its own.
      organization: null,
      project: null,
      webhookSecret: null,
      // We map and log errors ourselves; the SDK's own logger would write to the console.
      logLevel: 'off',
      fetch: options.fetch ?? nodeFetch,
    });
  }

  async *stream(request: StreamRequest): AsyncGenerator<ModelEvent, void, undefined> {
    const { signal } = request;
    if (signal.aborted) throw abortReason(signal);
    const variable = this.options.apiKeyVariable;
    const tenantKey = variable ? request.credentials?.[variable] || undefined : undefined;
    const upstream = new AbortController();
    const onCallerAbort = () => upstream.abort();
    signal.addEventListener('abort', onCallerAbort, { once: true });
    const watchdog = new StallWatchdog(this.options.stallMs, () => upstream.abort());
    /** Set once [DONE] arrived before the body ended: the rest is drained so the connection can be reused. */
    let readerAfterDone: ChunkReader | undefined;
    try {
      let response: Response;
      try {
        response = await (await this.sdk()).chat.completions.create(this.streamBody(request), { signal: upstream.signal, ...this.keyHeaders(tenantKey) }).asResponse();
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        throw requestError(err, this.label, tenantKey ?? this.options.apiKey);
      }
      const reader = bodyReader(response);
      if (!reader) throw new AppError('LLM_STREAM_INCOMPLETE', `${this.label} sent an empty response.`);

      const textDecoder = new TextDecoder();
      const sse = new SseDecoder(this.maxEventChars);
      const accumulator = new StreamAccumulator(this.options);
      watchdog.start();
      reading: for (;;) {
        watchdog.beginRead();
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (err) {
          if (signal.aborted) throw abortReason(signal);
          if (watchdog.fired) throw this.stalled();
          throw streamReadError(err, this.label, tenantKey ?? this.options.apiKey);
        }
        const events = result.done
          ? [...sse.push(textDecoder.decode()), ...sse.end()]
          : sse.push(textDecoder.decode(result.value, { stream: true }));
        // Only data events count as progress: keep-alive comments must not hide a stalled model.
        watchdog.endRead(events.length > 0);
        for (const event of events) {
          if (event.data.startsWith('[DONE]')) {
            if (!result.done) readerAfterDone = reader;
            break reading;
          }
          let chunk: unknown;
          try {
            chunk = JSON.parse(event.data);
          } catch (err) {
            throw streamReadError(err, this.label, tenantKey ?? this.options.apiKey);
          }
          if (event.event === 'error' || (chunk as { error?: unknown } | null)?.error) {
            throw streamedProviderError(chunk, this.label, tenantKey ?? this.options.apiKey);
          }
          const text = accumulator.push(chunk);
          if (text.length > 0) yield { type: 'text', text };
        }
        if (result.done) break;
      }
      if (signal.aborted) throw abortReason(signal);
      yield { type: 'done', ...accumulator.finish() };
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', onCallerAbort);
      // Whatever ended the loop (done, error, cap, the consumer leaving), never leave the HTTP request
      // open. After a clean [DONE] the body's last bytes are read first, so the keep-alive connection
      // goes back to the pool instead of costing the next turn a new (TLS) handshake.
      if (readerAfterDone && !signal.aborted) void drainThenRelease(readerAfterDone, upstream);
      else upstream.abort();
    }
  }

  async ping(signal: AbortSignal): Promise<void> {
    try {
      await (await this.sdk()).chat.completions.create(
        {
          model: this.options.modelName,
          messages: [{ role: 'user', content: 'hi' }],
          ...this.outputTokenLimit(3),
        },
        // A ping answers "is it up now?": retrying would only stretch the startup check.
        { signal, maxRetries: 0 },
      );
    } catch (err) {
      if (signal.aborted) throw new AppError('LLM_UNAVAILABLE', `${this.label} did not answer the ping in time.`);
      throw requestError(err, this.label, this.options.apiKey);
    }
  }

  /** A tenant's own key for this call, sent instead of the configured one. */
  private keyHeaders(tenantKey: string | undefined): { headers?: Record<string, string> } {
    return tenantKey ? { headers: { Authorization: `Bearer ${tenantKey}` } } : {};
  }

  private streamBody(request: StreamRequest): ChatCompletionCreateParamsStreaming {
    const body: ChatCompletionCreateParamsStreaming = {
      model: this.options.modelName,
      messages: request.messages.map(toOpenAIMessage),
      stream: true,
      stream_options: { include_usage: true },
    };
    // Some providers reject an empty tools array, so omit it.
    if (request.tools.length > 0) body.tools = request.tools;
    const limit = this.outputCap(request.maxOutputTokens);
    if (limit !== undefined) Object.assign(body, this.outputTokenLimit(limit));
    return body;
  }

  /**
   * OpenAI's current models refuse `max_tokens` and want `max_completion_tokens`; most other
   * OpenAI-compatible servers (Ollama, Anthropic's endpoint, vLLM) still know only `max_tokens`.
   */
  private outputTokenLimit(tokens: number): { max_tokens: number } | { max_completion_tokens: number } {
    return this.provider === 'openai' ? { max_completion_tokens: tokens } : { max_tokens: tokens };
  }

  /** The output cap to send: the smaller of the model's configured limit and the caller's. */
  private outputCap(requested: number | undefined): number | undefined {
    const own = this.options.maxOutputTokens !== undefined && this.options.maxOutputTokens > 0 ? this.options.maxOutputTokens : undefined;
    if (requested === undefined || requested <= 0) return own;
    return own === undefined ? requested : Math.min(own, requested);
  }

  private stalled(): AppError {
    return new AppError('LLM_STALLED', `${this.label} sent nothing for ${this.options.stallMs} ms; the answer was stopped.`);
  }
}

const DRAIN_TIMEOUT_MS = 1000;
const DRAIN_MAX_BYTES = 64 * 1024;

/** Reads what follows [DONE] (normally just the end of the body), giving up after a short while or a few KiB. */
async function drainThenRelease(reader: ChunkReader, upstream: AbortController): Promise<void> {
  const timer = setTimeout(() => upstream.abort(), DRAIN_TIMEOUT_MS);
  timer.unref();
  try {
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      bytes += value.byteLength;
      if (bytes > DRAIN_MAX_BYTES) return upstream.abort();
    }
  } catch {
    // The answer is already complete; a failure while draining only means the connection is not reused.
  } finally {
    clearTimeout(timer);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
