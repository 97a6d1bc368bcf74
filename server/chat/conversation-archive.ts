import type { ChatMessage } from '../llm/types.js';
import type { HistoryEntry } from '../protocol/server-events.js';
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
