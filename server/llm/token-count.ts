import type { ChatMessage } from './types.js';

/** Counts tokens in a text. */
export type TokenCounter = (text: string) => number;

/** Per-message framing the chat formats add around the content (role, separators): a fixed few tokens. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * BPE cost grows much faster than linearly with the length of one unbroken word (8 MB of "x" never
 * finishes), so text is counted in windows of at most this many characters, cut at white space
 * where there is some. The estimate differs from a whole-text count only at the cuts.
 */
const WINDOW_CHARS = 1024;

/**
 * Past this many characters the rest is extrapolated from the tokens per character of the counted
 * part: counting is synchronous, and a multi-megabyte answer must not block the event loop for
 * seconds to produce what is marked as an estimate anyway.
 */
const EXACT_CHARS = 64 * 1024;

let loading: Promise<TokenCounter> | undefined;

/** Counts `text` window by window with `count`, so no single piece is long; very long text is extrapolated. */
export function countInWindows(count: TokenCounter, text: string): number {
  if (text.length <= WINDOW_CHARS) return text ? count(text) : 0;
  const counted = Math.min(text.length, EXACT_CHARS);
  let total = 0;
  for (let start = 0; start < counted; ) {
    let end = Math.min(start + WINDOW_CHARS, counted);
    if (end < counted) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + WINDOW_CHARS / 2) end = space;
    }
    total += count(text.slice(start, end));
    start = end;
  }
  return counted === text.length ? total : Math.ceil((total * text.length) / counted);
}

/**
 * The real tokenizer (o200k_base, from gpt-tokenizer), loaded on first use so it never delays the
 * cold start. Providers' own counts are preferred; this is for estimates and for fitting history.
 */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= import('gpt-tokenizer').then((m) => (text: string) => countInWindows(m.countTokens, text));
  return loading;
}

/** The tokens one message costs in a request: its text, its tool calls' names and arguments, framing. */
/** What one image costs at most (OpenAI's high-detail tiling of a large image is ~765 tokens; others charge less). */
const IMAGE_TOKENS = 1000;

export function messageTokens(count: TokenCounter, message: ChatMessage): number {
  let n = MESSAGE_OVERHEAD_TOKENS + count(message.text);
  if (message.role === 'user' && message.files) {
    for (const file of message.files) n += file.kind === 'text' ? count(file.text) + MESSAGE_OVERHEAD_TOKENS : IMAGE_TOKENS;
  }
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls) n += count(call.function.name) + count(call.function.arguments) + MESSAGE_OVERHEAD_TOKENS;
  }
  return n;
}

export function messagesTokens(count: TokenCounter, messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += messageTokens(count, m);
  return n;
}
