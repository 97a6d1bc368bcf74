import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { eventsFor, transcriptLinesFor } from '../../server/chat/record-sinks.js';
import { entriesFrom, historyFrom } from '../../server/chat/store-archive.js';
import { StoreSink } from '../../server/chat/store-sink.js';
import type { ModelFile } from '../../server/llm/types.js';
import { ConversationView } from '../../server/sessions/conversation-view.js';
import type { AttachmentRef, StoredMessage, Store } from '../../server/store/store.js';

/** A user message's files, as each keeper of chat facts holds them: refs everywhere, content only for the model. */

const refs: AttachmentRef[] = [
  { id: 'f1', name: 'plan.md', mime: 'text/markdown', kind: 'text', size: 9 },
  { id: 'f2', name: 'dot.png', mime: 'image/png', kind: 'image', size: 70 },
];
const fact = { kind: 'user-message' as const, id: 'u1', text: 'see files', at: '2026-12-01T10:00:00.000Z', attachments: refs };

describe('attachments in chat records', () => {
  it('stores the refs with the user message', async () => {
    const saved: StoredMessage[] = [];
    const store = { appendMessages: async (_id: string, ms: StoredMessage[]) => void saved.push(...ms) } as unknown as Store;
    const sink = new StoreSink(store, { conversationId: 's_1', owner: 'a@b.c', tenant: 'default', keepMessages: true, partialSaveMs: 2000, log: pino({ level: 'silent' }), onWriteError: () => undefined });
    sink.record(fact);
    await sink.flush();
    expect(saved).toEqual([{ id: 'u1', conversationId: 's_1', role: 'user', text: 'see files', createdAt: fact.at, attachments: refs }]);
  });

  it('puts them on the user-message event and in the reader view', () => {
    const [event] = eventsFor(fact);
    expect(event).toEqual({ type: 'user-message', id: 'u1', text: 'see files', at: fact.at, attachments: refs });
    const view = new ConversationView();
    view.apply(event!);
    expect(view.entries[0]?.attachments).toEqual(refs);
  });

  it('writes names and sizes to the transcript, never ids or content', () => {
    expect(transcriptLinesFor(fact)).toEqual([['user-message', { messageId: 'u1', text: 'see files', attachments: [{ name: 'plan.md', mime: 'text/markdown', size: 9 }, { name: 'dot.png', mime: 'image/png', size: 70 }] }]]);
  });

  it('gives a reopened chat its chips and the model its files, leaving out one the store no longer has', () => {
    const rows: StoredMessage[] = [{ id: 'u1', conversationId: 's_1', role: 'user', text: 'see files', createdAt: fact.at, attachments: refs }];
    expect(entriesFrom(rows)[0]?.attachments).toEqual(refs);
    const files = new Map<string, ModelFile>([['f1', { kind: 'text', name: 'plan.md', mime: 'text/markdown', text: 'Launch it' }]]);
    expect(historyFrom(rows, undefined, files)).toEqual([{ role: 'user', text: 'see files', files: [{ kind: 'text', name: 'plan.md', mime: 'text/markdown', text: 'Launch it' }] }]);
    expect(historyFrom(rows)).toEqual([{ role: 'user', text: 'see files' }]);
  });
});
