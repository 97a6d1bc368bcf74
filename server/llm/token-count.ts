import type { ChatMessage } from './types.js';

/** Counts tokens in a text. */
export type TokenCounter = (text: string) => number;

/** Per-message framing the chat formats add around the content (role, separators): a fixed few tokens. */
const MESSAGE_OVERHEAD_TOKENS = 4;

let loading: Promise<TokenCounter> | undefined;

/**
 * The real tokenizer (o200k_base, from gpt-tokenizer), loaded on first use so it never delays the
 * cold start. Providers' own counts are preferred; this is for estimates and for fitting history.
 */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= import('gpt-tokenizer').then((m) => (text: string) => (text ? m.countTokens(text) : 0));
  return loading;
}

/** The tokens one message costs in a request: its text, its tool calls' names and arguments, framing. */
export function messageTokens(count: TokenCounter, message: ChatMessage): number {
  let n = MESSAGE_OVERHEAD_TOKENS + count(message.text);
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
