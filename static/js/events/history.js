import { addAssistantMessage, addToolPart, addUserMessage, resetConversation, textStreamFor } from '../state/messages.js';
import { chatStore } from '../state/stores.js';
import { holdEarlier, takeEarlier } from '../state/earlier-messages.js';

/** Alpine draws a message in about 3 ms: a small first window keeps a 2,000-message chat fast to open. */
const FIRST_WINDOW = 24;

export function rebuildFromHistory(entries, runningMessageId) {
  resetConversation();
  const cut = turnStartBefore(entries, entries.length - FIRST_WINDOW);
  holdEarlier(entries.slice(0, cut));
  appendEntries(entries.slice(cut), runningMessageId);
  chatStore().busy = Boolean(runningMessageId);
}

export function showEarlierEntries(count) {
  const batch = takeEarlier(count, turnStartBefore);
  if (batch.length === 0) return false;
  const chat = chatStore();
  const shown = chat.messages;
  // One assignment: Alpine's keyed x-for keeps every message already shown.
  chat.messages = [];
  appendEntries(batch, null);
  chat.messages = [...chat.messages, ...shown];
  return true;
}

function turnStartBefore(entries, index) {
  for (let at = index; at > 0; at--) if (entries[at].role === 'user') return at;
  return 0;
}

function appendEntries(entries, runningMessageId) {
  let turnAnswer = null;
  for (const entry of entries) {
    if (entry.role === 'user') {
      const message = addUserMessage({ id: entry.id, text: entry.text, at: entry.at, attachments: entry.attachments ?? [] });
      message.superseded = Boolean(entry.superseded);
      turnAnswer = null;
    } else if (entry.role === 'assistant') {
      turnAnswer = addAssistantMessage({ id: entry.id, model: entry.model ?? '', at: entry.at });
      // Still streaming: its next deltas append to it.
      turnAnswer.done = entry.id !== runningMessageId;
      turnAnswer.incomplete = Boolean(entry.incomplete);
      turnAnswer.superseded = Boolean(entry.superseded);
      if (entry.text) textStreamFor(turnAnswer).setText(entry.text, turnAnswer.done);
    } else if (entry.role === 'tool' && entry.toolCall) {
      turnAnswer ??= addAssistantMessage({ id: entry.id, model: entry.model ?? '', at: entry.at });
      turnAnswer.done = true;
      addToolFromHistory(turnAnswer, entry.toolCall);
    }
  }
}

function addToolFromHistory(message, call) {
  const part = addToolPart(message, call);
  if (call.error !== undefined) {
    part.state = 'error';
    part.errorMessage = call.error;
  } else if (call.content !== undefined) {
    part.state = 'done';
    part.content = call.content;
    part.ui = call.ui ?? null;
  } else {
    part.state = 'interrupted';
  }
}
