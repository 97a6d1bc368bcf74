import { attachmentStore, takeBackRefusedSend } from '../state/attachments.js';
import { sessionStore, chatStore } from '../state/stores.js';
import { showToast } from '../state/toasts.js';
import { findMessage, resetConversation } from '../state/messages.js';
import { applyErrorToTurn, forgetDeltaTarget } from './turn-events.js';
import { rebuildFromHistory } from './history.js';
import { refreshUsage } from '../state/conversations.js';

export const SESSION_ID_KEY = 'galaxy.sessionId';

/** A reload replays every old `feedback-saved`: only those awaited here earn a toast. */
let awaitedConfirmations = 0;

export function expectFeedbackConfirmation() {
  awaitedConfirmations += 1;
}

function applyScope(session, event) {
  session.tenant = event.session.tenant ?? '';
  session.model = event.session.model;
  session.models = event.models;
  session.tools = event.tools;
  session.dataSources = event.dataSources;
  session.selectedTools = [...event.session.tools];
  session.selectedDataSources = [...event.session.dataSources];
  session.locked = Boolean(event.session.locked);
}

export const sessionHandlers = {
  ready(event) {
    const session = sessionStore();
    const isNewSession = event.session.id !== session.sessionId || !event.resumed;
    if (isNewSession) {
      forgetDeltaTarget();
      resetConversation();
    }
    session.user = event.user;
    session.testMode = Boolean(event.testMode);
    session.sessionId = event.session.id;
    applyScope(session, event);
    session.tenants = event.tenants ?? [];
    session.maxMessageChars = event.limits?.maxMessageChars ?? session.maxMessageChars;
    attachmentStore().limits = event.limits?.attachments ?? null;
    // Files uploaded for another chat cannot be sent in this one.
    if (isNewSession) attachmentStore().pending = [];
    session.connection = 'open';
    session.notice = '';
    // An answer still running (e.g. after a reload) keeps Stop available.
    if (event.session.runningMessageId) chatStore().busy = true;
    try {
      sessionStorage.setItem(SESSION_ID_KEY, event.session.id);
    } catch {
      // Storage can be disabled; resuming after a reload is then impossible.
    }
    const current = session.currentModel;
    if (current && !current.available) {
      showToast(`${current.label} is unavailable. Pick another model.`, 'error');
    }
  },

  history(event) {
    forgetDeltaTarget();
    rebuildFromHistory(event.messages, event.runningMessageId);
  },

  scope(event) {
    applyScope(sessionStore(), event);
    void refreshUsage();
  },

  'budget-warning'(event) {
    showToast(event.message, 'warning');
    void refreshUsage();
  },

  'model-selected'(event) {
    sessionStore().model = event.model;
  },

  selection(event) {
    const session = sessionStore();
    session.selectedTools = [...event.tools];
    session.selectedDataSources = [...event.dataSources];
    session.locked = Boolean(event.locked);
  },

  'feedback-saved'(event) {
    if (event.messageId) {
      const message = findMessage(event.messageId);
      if (message) message.feedbackSaved = true;
    }
    if (awaitedConfirmations === 0) return;
    awaitedConfirmations -= 1;
    showToast('Thanks — your feedback was saved.', 'success');
  },

  error(event) {
    showToast(event.message || 'Something went wrong.', 'error');
    if (event.code === 'SELECTION_LOCKED') sessionStore().locked = true;
    if (event.code === 'BUDGET_EXCEEDED') void refreshUsage();
    takeBackRefusedSend(event.code);
    if (chatStore().busy) applyErrorToTurn(event);
  },

  takeover(event) {
    const session = sessionStore();
    session.connection = 'taken-over';
    session.notice = event.message;
  },

  shutdown(event) {
    const session = sessionStore();
    session.connection = 'restarting';
    session.notice = event.message;
  },
};
