import { addAssistantMessage, addToolPart, addUserMessage, resetConversation, textStreamFor } from '../state/messages.js';
import { chatStore } from '../state/stores.js';

/**
 * Rebuilds the conversation from a `history` snapshot (sent when a resume gap was too old).
 * Tool entries join the assistant message of their turn, as they did live.
 */
export function rebuildFromHistory(entries, runningMessageId) {
  resetConversation();
  let turnAnswer = null;
  for (const entry of entries) {
    if (entry.role === 'user') {
      addUserMessage({ id: entry.id, text: entry.text, at: entry.at });
      turnAnswer = null;
    } else if (entry.role === 'assistant') {
      turnAnswer = addAssistantMessage({ id: entry.id, model: entry.model ?? '', at: entry.at });
      // The answer still streaming stays open: its next deltas append to it.
      turnAnswer.done = entry.id !== runningMessageId;
      turnAnswer.incomplete = Boolean(entry.incomplete);
      if (entry.text) textStreamFor(turnAnswer).setText(entry.text, turnAnswer.done);
    } else if (entry.role === 'tool' && entry.toolCall) {
      turnAnswer ??= addAssistantMessage({ id: entry.id, model: entry.model ?? '', at: entry.at });
      turnAnswer.done = true;
      addToolFromHistory(turnAnswer, entry.toolCall);
    }
  }
  chatStore().busy = Boolean(runningMessageId);
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
