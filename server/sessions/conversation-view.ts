import type { HistoryEntry, ServerEventBody } from '../protocol/server-events.js';

/**
 * The conversation as a reader sees it, kept in step with the events a session emits. It exists so
 * a client whose resume point is no longer buffered can be sent one `history` snapshot instead of
 * the events it missed. Deltas append to the open message; cost is per flushed delta, not per token.
 */
export class ConversationView {
  readonly entries: HistoryEntry[] = [];
  private readonly byId = new Map<string, HistoryEntry>();

  constructor(initial: HistoryEntry[] = []) {
    for (const entry of initial) this.add(entry);
  }

  apply(event: ServerEventBody): void {
    switch (event.type) {
      case 'user-message':
        this.add({ id: event.id, role: 'user', text: event.text, at: event.at, ...(event.attachments ? { attachments: event.attachments } : {}) });
        break;
      case 'message-start':
        this.add({ id: event.id, role: 'assistant', text: '', at: event.at, model: event.model });
        break;
      case 'delta': {
        const entry = this.byId.get(event.id);
        if (entry) entry.text += event.text;
        break;
      }
      case 'message-end': {
        const entry = this.byId.get(event.id);
        if (entry && event.incomplete) entry.incomplete = true;
        break;
      }
      case 'tool-call':
        this.add({
          id: event.callId,
          role: 'tool',
          text: '',
          at: new Date().toISOString(),
          toolCall: { callId: event.callId, name: event.name, args: event.args },
        });
        break;
      case 'tool-result': {
        const call = this.byId.get(event.callId)?.toolCall;
        if (call) {
          call.content = event.content;
          if (event.ui) call.ui = event.ui;
        }
        break;
      }
      case 'superseded': {
        const from = this.entries.findIndex((e) => e.id === event.fromId);
        if (from >= 0) for (const entry of this.entries.slice(from)) entry.superseded = true;
        break;
      }
      case 'tool-error': {
        const call = this.byId.get(event.callId)?.toolCall;
        if (call) call.error = `${event.code}: ${event.message}`;
        break;
      }
      default:
        break;
    }
  }

  private add(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.byId.set(entry.id, entry);
  }
}
