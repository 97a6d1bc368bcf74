import { Connection } from './connection.js';
import { backingOffText, refusalText } from './refusal-text.js';
import { expectFeedbackConfirmation, sessionHandlers, SESSION_ID_KEY } from '../events/session-events.js';
import { turnHandlers } from '../events/turn-events.js';
import { addUserMessage } from '../state/messages.js';
import { chatStore, sessionStore } from '../state/stores.js';
import { showToast } from '../state/toasts.js';

/** Applies each event once (by `seq`); components never touch the socket themselves. */

const handlers = { ...sessionHandlers, ...turnHandlers };

let lastSeq = 0;
let nextClientId = 1;
let helloRefusal = '';

function storedSessionId() {
  try {
    return sessionStorage.getItem(SESSION_ID_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** lastSeq is not stored: after a reload nothing is drawn, so everything is replayed. */
function resumeInfo() {
  const sessionId = sessionStore().sessionId ?? storedSessionId();
  return sessionId ? { sessionId, lastSeq } : {};
}

function applyEvent(event) {
  const seq = typeof event.seq === 'number' ? event.seq : 0;
  if (event.type === 'error' && event.code === 'NO_TENANT') helloRefusal = String(event.message ?? '');
  if (event.type === 'ready') {
    const session = sessionStore();
    const isNewSession = event.session?.id !== session.sessionId || !event.resumed;
    if (isNewSession) lastSeq = seq;
    connection.markHealthy();
    sessionStore().transport = connection.mode;
    sessionStore().retryNote = '';
  } else if (seq > 0) {
    if (seq <= lastSeq) return;
    lastSeq = seq;
  }
  const handler = handlers[event.type];
  if (handler) handler(event);
  for (const listener of listeners) listener(event);
}

const listeners = new Set();
export function onChatEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function onConnectionState(state, _closeCode, detail) {
  const session = sessionStore();
  if (state === 'reconnecting') {
    // After a shutdown notice, reconnect silently under the "restarting" banner.
    if (session.connection !== 'restarting') session.connection = 'reconnecting';
    session.retryNote = '';
  } else if (state === 'backing-off') {
    session.connection = 'reconnecting';
    session.retryNote = backingOffText(detail);
  } else if (state === 'taken-over') {
    session.connection = 'taken-over';
    session.notice ||= 'This chat was opened in another tab or window.';
  } else if (state === 'rejected') {
    session.connection = 'rejected';
    session.notice = 'This chat is open in another tab or window. Close it there, then try again.';
  } else if (state === 'refused') {
    session.connection = 'refused';
    session.notice = 'This page is out of date. Reload it to keep chatting.';
  } else if (state === 'no-tenant') {
    // Membership removed while the page was open: final too.
    session.connection = 'refused';
    session.notice = refusalText({ status: 403, code: 'NO_TENANT', message: helloRefusal });
  } else if (state === 'blocked') {
    session.connection = 'refused';
    session.notice = refusalText(detail);
  }
}

const connection = new Connection({
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`,
  onEvent: applyEvent,
  onState: onConnectionState,
  resumeInfo,
});

function sendOrWarn(message) {
  if (connection.send(message)) return true;
  showToast('You are offline; that was not sent. It will work again once the connection is back.', 'error');
  return false;
}

function startTurn() {
  const chat = chatStore();
  chat.busy = true;
  chat.status = 'Thinking…';
  return true;
}

export const chatClient = {
  start() {
    connection.start();
  },

  /** False (the draft is kept) when it could not be sent. */
  sendText(text, attachments = []) {
    const clientId = `c${Date.now().toString(36)}${nextClientId++}`;
    const ids = attachments.map((file) => file.id);
    if (!sendOrWarn({ type: 'send', text, clientId, ...(ids.length ? { attachments: ids } : {}) })) return false;
    addUserMessage({ clientId, text, pending: true, attachments });
    return startTurn();
  },

  stop() {
    sendOrWarn({ type: 'stop' });
  },

  regenerate() {
    return sendOrWarn({ type: 'regenerate' }) && startTurn();
  },

  editMessage(messageId, text) {
    return sendOrWarn({ type: 'edit-message', messageId, text }) && startTurn();
  },

  newChat() {
    sendOrWarn({ type: 'new-chat' });
  },

  openChat(conversationId) {
    return sendOrWarn({ type: 'open-chat', conversationId });
  },

  selectModel(model) {
    sendOrWarn({ type: 'select-model', model });
  },

  selectTenant(tenant) {
    sendOrWarn({ type: 'select-tenant', tenant });
  },

  selectTools(tools, dataSources) {
    sendOrWarn({ type: 'select-tools', tools, dataSources });
  },

  /** A thumb gets no toast: its pressed state says it. */
  sendFeedback(feedback) {
    const sent = sendOrWarn({ type: 'feedback', ...feedback });
    if (sent && feedback.comment) expectFeedbackConfirmation();
    return sent;
  },

  takeBack() {
    const session = sessionStore();
    session.connection = 'connecting';
    session.notice = '';
    connection.reconnectNow();
  },

  exportUrl() {
    const id = sessionStore().sessionId;
    return id ? `/api/sessions/${encodeURIComponent(id)}/export.txt` : null;
  },
};
