import { messageTokens, type TokenCounter } from '../llm/token-count.js';
import type { ChatMessage } from '../llm/types.js';

export interface FittedHistory {
  messages: ChatMessage[];
  /** How many of the oldest history messages were left out to fit. */
  omitted: number;
  /** Counted tokens of what is sent (system prompt included). */
  promptTokens: number;
}

/**
 * Fits a chat into a model's context: the system prompt and the newest user turn always go, then
 * as many earlier messages as fit, newest first. Cuts fall on user-message boundaries, so a tool
 * result is never sent without the assistant call it answers.
 */
export function fitHistory(
  count: TokenCounter,
  system: ChatMessage,
  history: readonly ChatMessage[],
  contextTokens: number | undefined,
  reservedOutputTokens: number,
): FittedHistory {
  const costs = history.map((m) => messageTokens(count, m));
  const systemCost = messageTokens(count, system);
  const total = costs.reduce((a, b) => a + b, systemCost);
  if (!contextTokens || total + reservedOutputTokens <= contextTokens) {
    return { messages: [system, ...history], omitted: 0, promptTokens: total };
  }
  const budget = contextTokens - reservedOutputTokens - systemCost;
  // The newest user message and everything after it (the current turn's tool rounds) must go.
  let start = lastUserIndex(history);
  let used = 0;
  for (let i = start; i < history.length; i += 1) used += costs[i]!;
  // Walk back one user turn at a time while the whole turn fits.
  for (let candidate = start - 1; candidate >= 0; candidate -= 1) {
    if (history[candidate]!.role !== 'user') continue;
    let turnCost = 0;
    for (let i = candidate; i < start; i += 1) turnCost += costs[i]!;
    if (used + turnCost > budget) break;
    used += turnCost;
    start = candidate;
  }
  return { messages: [system, ...history.slice(start)], omitted: start, promptTokens: systemCost + used };
}

function lastUserIndex(history: readonly ChatMessage[]): number {
  for (let i = history.length - 1; i >= 0; i -= 1) if (history[i]!.role === 'user') return i;
  return 0;
}
