import { addAssistantMessage, addToolPart, addUserMessage, resetConversation, textStreamFor } from '../state/messages.js';
import { chatStore } from '../state/stores.js';

/**
 * Rebuilds the conversation from a `history` snapshot (sent when a resume gap was too old).
 * Tool entries join the assistant message of their turn, as they did live.
 */
export function rebuildFromHistory(entries) {
  resetConversation();
  let turnAnswer = null;
  for (const entry of entries) {
    if (entry.role === 'user') {
      addUserMessage({ id: entry.id, text: entry.text });
      turnAnswer = null;
    } else if (entry.role === 'assistant') {
      turnAnswer = addAssistantMessage({ id: entry.id, model: entry.model ?? '' });
      turnAnswer.done = true;
      turnAnswer.incomplete = Boolean(entry.incomplete);
      if (entry.text) textStreamFor(turnAnswer).setText(entry.text, true);
    } else if (entry.role === 'tool' && entry.toolCall) {
      turnAnswer ??= addAssistantMessage({ id: entry.id, model: entry.model ?? '' });
      turnAnswer.done = true;
      addToolFromHistory(turnAnswer, entry.toolCall);
    }
  }
  chatStore().busy = false;
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
