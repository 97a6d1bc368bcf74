import { modelFiles } from '../attachments/message-attachments.js';
import type { ChatMessage, ModelFile } from '../llm/types.js';
import type { HistoryEntry } from '../protocol/server-events.js';
import type { StoredMessage, Store } from '../store/store.js';
import type { ToolUi } from '../tools/ui.js';
import type { ConversationArchive, ReopenableChat } from './conversation-archive.js';
import { toolErrorText } from './tool-calls.js';

const INTERRUPTED = toolErrorText('TOOL_FAILED', 'the call was interrupted before it returned.');

/** The stored chat as the reader sees it: the same entries a live session's view holds. */
export function entriesFrom(messages: StoredMessage[]): HistoryEntry[] {
  return messages.map((m): HistoryEntry => {
    if (m.role === 'tool') {
      const call: NonNullable<HistoryEntry['toolCall']> = { callId: m.toolCallId ?? m.id, name: m.toolName ?? 'tool', args: m.toolArgs ?? {} };
      if (m.toolError) call.error = m.toolError;
      if (m.superseded) return { id: call.callId, role: 'tool', text: '', at: m.createdAt, toolCall: call, superseded: true };
      else if (m.text) call.content = m.text;
      if (m.toolUi) call.ui = m.toolUi as ToolUi;
      return { id: call.callId, role: 'tool', text: '', at: m.createdAt, toolCall: call };
    }
    const entry: HistoryEntry = { id: m.id, role: m.role, text: m.text, at: m.createdAt };
    if (m.attachments?.length) entry.attachments = m.attachments;
    if (m.model) entry.model = m.model;
    if (m.incomplete) entry.incomplete = true;
    if (m.superseded) entry.superseded = true;
    return entry;
  });
}

/**
 * The stored chat as the model sees it. An answer that called tools is stored as one row (all its
 * calls, all its text); it goes back as the calls, their results, then the text — a valid
 * history in which every call has exactly one result (an interrupted call reads as failed).
 */
export function historyFrom(messages: StoredMessage[], userAt?: Map<string, number>, files: ReadonlyMap<string, ModelFile> = new Map()): ChatMessage[] {
  const history: ChatMessage[] = [];
  let pendingText: string | undefined;
  let open = new Set<string>();
  const closeAnswer = () => {
    for (const callId of open) history.push({ role: 'tool', toolCallId: callId, text: INTERRUPTED });
    open = new Set();
    if (pendingText) history.push({ role: 'assistant', text: pendingText });
    pendingText = undefined;
  };
  for (const m of messages) {
    // Earlier versions (regenerated, edited) are kept for the reader, never shown to the model.
    if (m.superseded) continue;
    if (m.role === 'tool') {
      if (m.toolCallId && open.delete(m.toolCallId)) history.push({ role: 'tool', toolCallId: m.toolCallId, text: m.text || INTERRUPTED });
      continue;
    }
    closeAnswer();
    if (m.role === 'user') {
      userAt?.set(m.id, history.length);
      // A file the store no longer has is left out rather than failing the whole chat.
      const attached = (m.attachments ?? []).flatMap((ref) => files.get(ref.id) ?? []);
      history.push({ role: 'user', text: m.text, ...(attached.length ? { files: attached } : {}) });
    } else if (m.toolCalls && m.toolCalls.length > 0) {
      const toolCalls = m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
      history.push({ role: 'assistant', text: '', toolCalls });
      open = new Set(m.toolCalls.map((c) => c.id));
      pendingText = m.text;
    } else if (m.text) {
      history.push({ role: 'assistant', text: m.text });
    }
  }
  closeAnswer();
  return history;
}

/** Reopens chats from the store. */
export class StoreArchive implements ConversationArchive {
  constructor(private readonly store: Store) {}

  async load(id: string, owner: string): Promise<ReopenableChat | undefined> {
    const conversation = await this.store.getConversation(id, owner);
    if (!conversation) return undefined;
    const messages = await this.store.getMessages(id, owner);
    const stored = messages.some((m) => m.attachments?.length) ? await this.store.getAttachments(id, owner) : [];
    const asModelFiles = modelFiles(stored);
    const files = new Map(stored.map((a, i) => [a.id, asModelFiles[i]!]));
    const { updatedAt: _updatedAt, messageCount: _count, ...chat } = conversation;
    const historyAt = new Map<string, number>();
    return { ...chat, entries: entriesFrom(messages), history: historyFrom(messages, historyAt, files), historyAt };
  }
}
