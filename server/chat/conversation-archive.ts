import type { ChatMessage } from '../llm/types.js';
import type { HistoryEntry } from '../protocol/server-events.js';
import type { Session } from '../sessions/session.js';
import type { NewConversation } from '../store/store.js';

/** A stored chat, in the two shapes reopening needs: what the reader sees and what the model sees. */
export type ReopenableChat = NewConversation & {
  entries: HistoryEntry[];
  history: ChatMessage[];
  /** Where each user message starts in `history` (absent: none can be regenerated or edited). */
  historyAt?: Map<string, number>;
};

/** Where earlier chats come from when they are not live in this process (the store). */
export interface ConversationArchive {
  /** The chat if `owner` owns it; anyone else's looks exactly like a missing one. */
  load(id: string, owner: string): Promise<ReopenableChat | undefined>;
}

/**
 * Gives a live session the stored chat's state: what the model sees (history, where each user
 * message starts) and its title, model and selection. Used when a chat is reopened from the store
 * and when an instance takes over a chat another one ran.
 */
export function restoreStored(session: Session, stored: ReopenableChat): void {
  session.history.length = 0;
  session.history.push(...stored.history);
  session.historyAt.clear();
  for (const [id, at] of stored.historyAt ?? []) session.historyAt.set(id, at);
  session.title = stored.title;
  session.model = stored.model;
  session.tools = stored.tools;
  session.dataSources = stored.dataSources;
  session.locked = stored.locked;
}
