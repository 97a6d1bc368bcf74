import type { ServerEventBody } from '../protocol/server-events.js';
import type { TranscriptWriter } from '../transcripts/transcript-writer.js';
import { isIncomplete, type ChatRecord, type RecordSink } from './records.js';

/** The client-visible events a fact becomes (none for facts only the operator keeps). */
export function eventsFor(fact: ChatRecord): ServerEventBody[] {
  switch (fact.kind) {
    case 'selection':
      return [{ type: 'selection', tools: fact.tools, dataSources: fact.dataSources, locked: fact.locked }];
    case 'model-selected':
      return [{ type: 'model-selected', model: fact.model }];
    case 'title':
      return [{ type: 'title', title: fact.title }];
    case 'user-message':
      return [{ type: 'user-message', id: fact.id, text: fact.text, at: fact.at, ...(fact.clientId ? { clientId: fact.clientId } : {}), ...(fact.attachments ? { attachments: fact.attachments } : {}) }];
    case 'assistant-start':
      return [{ type: 'message-start', id: fact.id, model: fact.model, at: fact.at }];
    case 'assistant-text':
      return [{ type: 'delta', id: fact.id, text: fact.text }];
    case 'tool-call':
      return [{ type: 'tool-call', messageId: fact.messageId, callId: fact.callId, name: fact.name, args: fact.args }];
    case 'tool-result':
      return [{ type: 'tool-result', messageId: fact.messageId, callId: fact.callId, content: fact.content, ...(fact.ui ? { ui: fact.ui } : {}) }];
    case 'tool-error':
      return [{ type: 'tool-error', messageId: fact.messageId, callId: fact.callId, code: fact.code, message: fact.message }];
    case 'status':
      return [fact.tool ? { type: 'status', text: fact.text, elapsedMs: fact.elapsedMs, tool: fact.tool } : { type: 'status', text: fact.text, elapsedMs: fact.elapsedMs }];
    case 'feedback':
      return [fact.messageId ? { type: 'feedback-saved', messageId: fact.messageId } : { type: 'feedback-saved' }];
    case 'notice':
      return [{ type: 'notice', key: fact.key, text: fact.text }];
    case 'superseded':
      return [{ type: 'superseded', fromId: fact.fromId, reason: fact.reason }];
    case 'budget-warning': {
      const { kind: _kind, ...warning } = fact;
      return [{ type: 'budget-warning', ...warning }];
    }
    case 'assistant-end': {
      const error = fact.error ? { code: fact.error.code, message: fact.error.message, ...fact.error.details } : undefined;
      const end: ServerEventBody = {
        type: 'message-end',
        id: fact.id,
        finishReason: fact.finishReason,
        incomplete: isIncomplete(fact.reason),
        ...(error ? { error } : {}),
        ...(fact.usage ? { usage: fact.usage } : {}),
      };
      return error ? [{ type: 'error', ...error, messageId: fact.id }, end] : [end];
    }
    default:
      return [];
  }
}

/** Feeds facts to the session's numbered event log (and so to the attached client). */
export class EventSink implements RecordSink {
  constructor(private readonly emit: (body: ServerEventBody) => void) {}

  record(fact: ChatRecord): void {
    for (const event of eventsFor(fact)) this.emit(event);
  }
}

/** The operator's JSONL line(s) for a fact. Streamed text is not logged per delta: the final message has it. */
export function transcriptLinesFor(fact: ChatRecord): Array<[string, Record<string, unknown>]> {
  switch (fact.kind) {
    case 'assistant-start':
    case 'assistant-text':
      return [];
    case 'session-start': {
      const { kind: _kind, tools, dataSources, ...start } = fact;
      return [
        ['session-start', start],
        ['selection', { tools, dataSources, locked: false }],
      ];
    }
    case 'user-message':
      return [['user-message', { messageId: fact.id, text: fact.text, ...(fact.attachments ? { attachments: fact.attachments.map(({ name, mime, size }) => ({ name, mime, size })) } : {}) }]];
    case 'model-call': {
      const { kind: _kind, toolCalls, ...rest } = fact;
      return [['model-call', { ...rest, toolCalls: toolCalls.length }]];
    }
    case 'assistant-end': {
      const lines: Array<[string, Record<string, unknown>]> = [];
      if (fact.error) lines.push(['error', { messageId: fact.id, ...fact.error }]);
      lines.push([
        'assistant-message',
        {
          messageId: fact.id,
          model: fact.model,
          text: fact.text,
          usage: fact.usage,
          finishReason: fact.finishReason,
          reason: fact.reason,
          incomplete: isIncomplete(fact.reason),
        },
      ]);
      return lines;
    }
    case 'tool-result': {
      const { kind: _kind, ui, ...rest } = fact;
      return [['tool-result', { ...rest, ui: ui?.type }]];
    }
    default: {
      const { kind, ...rest } = fact;
      return [[kind, rest]];
    }
  }
}

/** Writes facts to the session's JSONL transcript (redacted, whole lines, never blocking). */
export class TranscriptSink implements RecordSink {
  constructor(private readonly transcript: TranscriptWriter) {}

  record(fact: ChatRecord): void {
    for (const [kind, data] of transcriptLinesFor(fact)) this.transcript.write(kind, data);
  }

  flush(): Promise<void> {
    return this.transcript.flush();
  }

  close(): Promise<void> {
    return this.transcript.close();
  }
}
