import { SqliteStore } from '../../server/store/sqlite-store.js';
import type { StoredMessage } from '../../server/store/store.js';

/**
 * Writes a long chat straight into a server's SQLite file (its DATABASE_URL), through the repo's own
 * store, so a test or bench can open a 2,000-message chat without running 1,000 turns.
 */
export async function seedLongChat(databaseUrl: string, owner: string, options: { id: string; title: string; messages: number; model?: string; endAt?: Date }): Promise<void> {
  const file = databaseUrl.replace(/^sqlite:/, '');
  const store = SqliteStore.open(file);
  try {
    const start = (options.endAt?.getTime() ?? Date.now()) - options.messages * 1000;
    await store.createConversation({
      id: options.id,
      owner,
      tenant: 'default',
      title: options.title,
      model: options.model ?? 'fake',
      tools: [],
      dataSources: [],
      locked: true,
      createdAt: new Date(start).toISOString(),
    });
    const batch: StoredMessage[] = [];
    for (let index = 0; index < options.messages; index++) {
      const isUser = index % 2 === 0;
      const turn = Math.floor(index / 2) + 1;
      batch.push({
        id: `${isUser ? 'u' : 'm'}_${options.id}_${index}`,
        conversationId: options.id,
        role: isUser ? 'user' : 'assistant',
        text: isUser
          ? `Question number ${turn}`
          : `Answer number ${turn}: some **markdown** with a list\n\n- one\n- two\n\nand a paragraph of text to render.`,
        createdAt: new Date(start + index * 1000).toISOString(),
        ...(isUser ? {} : { model: options.model ?? 'fake' }),
      });
    }
    await store.appendMessages(options.id, batch);
  } finally {
    await store.close();
  }
}
