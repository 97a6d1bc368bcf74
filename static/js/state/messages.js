import { chatStore } from './stores.js';
import { clearStreams, createStream, getStream } from '../markdown/streams.js';

/** Keys are local and stable, so Alpine's keyed x-for never re-creates a message still streaming. */

let nextKey = 1;
const newKey = (prefix) => `${prefix}${nextKey++}`;

export function resetConversation() {
  clearStreams();
  const chat = chatStore();
  chat.messages = [];
  chat.busy = false;
  chat.status = '';
}

export function addUserMessage({ id = null, clientId = null, text, pending = false, at = new Date().toISOString(), attachments = [] }) {
  return pushMessage({ key: newKey('u'), role: 'user', id, clientId, text, pending, at, superseded: false, attachments });
}

export function addAssistantMessage({ id, model = '', at = new Date().toISOString() }) {
  return pushMessage({
    key: newKey('a'),
    role: 'assistant',
    id,
    model,
    at,
    parts: [],
    done: false,
    incomplete: false,
    finishReason: '',
    error: '',
    rating: '',
    feedbackSaved: false,
    superseded: false,
  });
}

export function markSupersededFrom(id) {
  const messages = chatStore().messages;
  const from = messages.findIndex((message) => message.id === id);
  if (from < 0) return;
  for (const message of messages.slice(from)) message.superseded = true;
}

/** Returns the store's reactive proxy: changes to the raw object would never reach the page. */
function pushMessage(message) {
  const messages = chatStore().messages;
  messages.push(message);
  return messages[messages.length - 1];
}

export function findMessage(id) {
  const messages = chatStore().messages;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index].id === id) return messages[index];
  }
  return null;
}

export function findPendingUserMessage(clientId) {
  if (!clientId) return null;
  return chatStore().messages.find((message) => message.role === 'user' && message.clientId === clientId) ?? null;
}

export function textStreamFor(message) {
  const last = message.parts[message.parts.length - 1];
  if (last && last.kind === 'text') return getStream(last.key);
  const key = newKey('t');
  const stream = createStream(key);
  message.parts.push({ key, kind: 'text' });
  return stream;
}

export function addToolPart(message, { callId, name, args }) {
  const part = {
    key: newKey('k'),
    kind: 'tool',
    callId,
    name,
    argsText: formatArgs(args),
    state: 'running',
    content: '',
    ui: null,
    errorCode: '',
    errorMessage: '',
  };
  message.parts.push(part);
  return message.parts[message.parts.length - 1];
}

export function findToolPart(callId) {
  const messages = chatStore().messages;
  for (let index = messages.length - 1; index >= 0; index--) {
    const parts = messages[index].parts;
    if (!parts) continue;
    const part = parts.find((candidate) => candidate.kind === 'tool' && candidate.callId === callId);
    if (part) return part;
  }
  return null;
}

export function finishTextStreams(message) {
  for (const part of message.parts) {
    if (part.kind === 'text') getStream(part.key)?.finish();
  }
}

function formatArgs(args) {
  if (typeof args === 'string') return args;
  try {
    return JSON.stringify(args, null, 2) ?? '';
  } catch {
    return String(args);
  }
}
