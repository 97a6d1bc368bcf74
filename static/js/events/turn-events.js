import { chatStore } from '../state/stores.js';
import { showToast } from '../state/toasts.js';
import { formatStatus } from '../util/format.js';
import {
  addAssistantMessage,
  addToolPart,
  addUserMessage,
  findMessage,
  findPendingUserMessage,
  findToolPart,
  finishTextStreams,
  markSupersededFrom,
  textStreamFor,
} from '../state/messages.js';

/**
 * Events of one chat turn: the user's message, the streamed answer, tool calls and status.
 * `delta` is the hot path: it goes straight to a cached markdown stream without touching Alpine.
 */

let cachedDelta = { id: null, stream: null };

export function forgetDeltaTarget() {
  cachedDelta = { id: null, stream: null };
}

function assistantMessage(id, model) {
  return findMessage(id) ?? addAssistantMessage({ id, model });
}

export const turnHandlers = {
  'user-message'(event) {
    const pending = findPendingUserMessage(event.clientId);
    if (pending) {
      pending.id = event.id;
      pending.pending = false;
      if (event.at) pending.at = event.at;
      if (event.attachments) pending.attachments = event.attachments;
    } else if (!findMessage(event.id)) {
      addUserMessage({ id: event.id, text: event.text, at: event.at, attachments: event.attachments ?? [] });
    }
    chatStore().busy = true;
  },

  superseded(event) {
    markSupersededFrom(event.fromId);
  },

  'message-start'(event) {
    const message = assistantMessage(event.id, event.model);
    message.model = event.model;
    if (event.at) message.at = event.at;
    message.done = false;
    chatStore().busy = true;
  },

  delta(event) {
    if (cachedDelta.id !== event.id) {
      const message = assistantMessage(event.id, '');
      message.done = false;
      cachedDelta = { id: event.id, stream: textStreamFor(message) };
      const chat = chatStore();
      chat.busy = true;
    }
    const chat = chatStore();
    if (chat.status) chat.status = '';
    cachedDelta.stream.append(event.text);
  },

  'message-end'(event) {
    const message = assistantMessage(event.id, '');
    message.done = true;
    message.incomplete = Boolean(event.incomplete);
    message.finishReason = event.finishReason ?? '';
    // The `error` event before this one already said it; only toast what was not said yet.
    if (event.error && message.error !== event.error.message) showToast(event.error.message, 'error');
    message.error = event.error?.message ?? message.error;
    finishTextStreams(message);
    forgetDeltaTarget();
    const chat = chatStore();
    chat.status = '';
    chat.busy = false;
  },

  'tool-call'(event) {
    const message = assistantMessage(event.messageId, '');
    addToolPart(message, event);
    forgetDeltaTarget();
    chatStore().busy = true;
  },

  'tool-result'(event) {
    const part = findToolPart(event.callId);
    if (!part) return;
    part.state = 'done';
    part.content = event.content;
    part.ui = event.ui ?? null;
  },

  'tool-error'(event) {
    const part = findToolPart(event.callId);
    if (!part) return;
    part.state = 'error';
    part.errorCode = event.code;
    part.errorMessage = event.message;
  },

  status(event) {
    const chat = chatStore();
    chat.busy = true;
    chat.status = formatStatus(event);
  },
};

/** An error about an answer is recorded on it (its `message-end` ends the turn); one without (a
 *  refused `send`) ends the wait unless an answer is still streaming. */
export function applyErrorToTurn(event) {
  const chat = chatStore();
  const target = event.messageId ? findMessage(event.messageId) : null;
  if (target) {
    target.error = event.message;
    return;
  }
  const streaming = chat.messages.some((message) => message.role === 'assistant' && !message.done);
  if (!streaming) {
    chat.busy = false;
    chat.status = '';
  }
}
