import { chatsStore, formatTokens } from '../state/conversations.js';

/** This month's tokens, from GET /api/usage (refreshed by the sidebar after each message-end). */
export function usageMeter() {
  return {
    get known() {
      return chatsStore().monthTokens !== null;
    },
    get text() {
      const tokens = chatsStore().monthTokens;
      return tokens === null ? '' : formatTokens(tokens);
    },
  };
}
