import { chatsStore, formatTokens } from '../state/conversations.js';
import { sessionStore } from '../state/stores.js';

const WORDS = { requests: 'requests', inputTokens: 'input tokens', outputTokens: 'output tokens' };

function currentBudget() {
  return chatsStore().budgets[sessionStore().tenant] ?? null;
}

function tightest(budget) {
  let best = null;
  for (const [dimension, limit] of Object.entries(budget.limits)) {
    const used = budget.used[dimension] ?? 0;
    if (!best || used / Math.max(limit, 1) > best[1] / Math.max(best[2], 1)) best = [dimension, used, limit];
  }
  return best;
}

export function usageMeter() {
  return {
    get known() {
      return chatsStore().monthTokens !== null;
    },
    get text() {
      const tokens = chatsStore().monthTokens;
      return tokens === null ? '' : formatTokens(tokens);
    },
    get budgetText() {
      const budget = currentBudget();
      const limit = budget && tightest(budget);
      if (!limit) return '';
      const [dimension, used, max] = limit;
      if (used >= max) {
        const day = new Date(budget.resetsAt).toLocaleDateString(undefined, { day: 'numeric', month: 'long' });
        return `${budget.name} has used its monthly ${WORDS[dimension]}; new chats can answer again on ${day}.`;
      }
      return `${budget.name}: ${used.toLocaleString()} / ${max.toLocaleString()} ${WORDS[dimension]} this month`;
    },
    get levelClass() {
      const budget = currentBudget();
      const limit = budget && tightest(budget);
      if (!limit) return '';
      const [, used, max] = limit;
      return used >= max ? 'is-exhausted' : used >= max * budget.warnAt ? 'is-warning' : '';
    },
  };
}
