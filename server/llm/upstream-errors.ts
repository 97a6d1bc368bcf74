import { loadedOpenAI } from './openai-sdk.js';
import { AppError } from '../errors.js';

/**
 * Maps whatever a provider call throws to an AppError with a stable code, keeping a short,
 * key-free version of the provider's own message so operators and users can see what went wrong.
 */

const MAX_PROVIDER_MESSAGE_CHARS = 300;

/** Tokens that look like credentials (OpenAI `sk-…`, Anthropic `sk-ant-…`, and similar prefixes). */
const KEY_LIKE = /\b(?:sk|pk|rk|ak|key)[-_][A-Za-z0-9_*.\-]{4,}/gi;

/** Removes the configured key, and anything shaped like one, from provider text; trims it short. */
export function redactProviderText(text: string, apiKey: string): string {
  let clean = text;
  // Short placeholder keys ("ollama", "x") would blank out ordinary words; real keys are long.
  if (apiKey.length >= 8) clean = clean.split(apiKey).join('[redacted]');
  clean = clean.replace(KEY_LIKE, '[redacted]').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_PROVIDER_MESSAGE_CHARS ? `${clean.slice(0, MAX_PROVIDER_MESSAGE_CHARS)}…` : clean;
}

/** The provider's own message from an error body: `{error: {message}}`, `{error: "text"}` or `{message}`. */
export function providerMessageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { message?: unknown; error?: unknown };
  if (typeof record.message === 'string') return record.message;
  if (record.error !== undefined) return providerMessageOf(record.error);
  return undefined;
}

/** An error object the provider sent inside an HTTP 200 stream (`data: {"error": …}` or `event: error`). */
export function streamedProviderError(body: unknown, modelLabel: string, apiKey: string): AppError {
  const detail = providerMessageOf(body);
  const suffix = detail ? `: ${redactProviderText(detail, apiKey)}` : '.';
  return new AppError('LLM_ERROR', `${modelLabel} reported an error mid-answer${suffix}`);
}

/** The network error code (ECONNREFUSED, ENOTFOUND, …) buried in a fetch failure's cause chain. */
function networkCodeOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an error from the initial request (or a ping) to an AppError. Abort errors must be told apart
 * by the caller first — this function assumes the request failed on its own.
 */
export function requestError(err: unknown, modelLabel: string, apiKey: string): AppError {
  if (err instanceof AppError) return err;
  const OpenAI = loadedOpenAI();
  if (OpenAI && err instanceof OpenAI.APIConnectionTimeoutError) {
    return new AppError('LLM_UNAVAILABLE', `${modelLabel} did not answer in time.`, { cause: err });
  }
  if (OpenAI && err instanceof OpenAI.APIConnectionError) {
    const code = networkCodeOf(err);
    return new AppError('LLM_UNAVAILABLE', `${modelLabel} could not be reached${code ? ` (${code})` : ''}.`, { cause: err });
  }
  if (OpenAI && err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const detail = redactProviderText(providerMessageOf(err.error) ?? err.message.replace(/^\d{3}\s*/, ''), apiKey);
    const text = `${modelLabel} answered ${err.status}${detail ? `: ${detail}` : '.'}`;
    if (err.status === 401 || err.status === 403) return new AppError('LLM_AUTH', text);
    if (err.status === 429) return new AppError('LLM_RATE_LIMITED', text);
    return new AppError('LLM_ERROR', text);
  }
  if (OpenAI && err instanceof OpenAI.APIError) {
    const detail = redactProviderText(providerMessageOf(err.error) ?? err.message, apiKey);
    return new AppError('LLM_ERROR', `${modelLabel} returned an error: ${detail}`);
  }
  const code = networkCodeOf(err);
  if (code) return new AppError('LLM_UNAVAILABLE', `${modelLabel} could not be reached (${code}).`, { cause: err });
  return new AppError('LLM_ERROR', `${modelLabel} failed: ${redactProviderText(String((err as Error)?.message ?? err), apiKey)}`, {
    cause: err,
  });
}

/**
 * Maps an error raised while reading an already-open stream body. A dropped connection here means
 * the answer was cut short, which is what LLM_STREAM_INCOMPLETE says; bad JSON is the provider's fault.
 */
export function streamReadError(err: unknown, modelLabel: string, apiKey: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof SyntaxError) {
    return new AppError('LLM_ERROR', `${modelLabel} sent a stream chunk that is not valid JSON.`, { cause: err });
  }
  const code = networkCodeOf(err);
  const detail = code ?? redactProviderText(String((err as Error)?.message ?? err), apiKey);
  return new AppError('LLM_STREAM_INCOMPLETE', `The connection to ${modelLabel} broke mid-answer (${detail}).`, {
    cause: err,
  });
}
