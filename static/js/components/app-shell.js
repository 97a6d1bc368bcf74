import { chatClient } from '../net/chat-client.js';
import { sessionStore } from '../state/stores.js';

export function appShell() {
  return {
    get session() {
      return sessionStore();
    },

    /** Quiet on a healthy start: shown only once a working connection was lost. */
    get showConnectionState() {
      return this.session.connection === 'reconnecting';
    },
    get connectionText() {
      return this.session.retryNote || 'Offline — reconnecting…';
    },
    get showSignedIn() {
      return Boolean(this.session.user) && !this.session.testMode;
    },
    get isOffline() {
      return this.session.connection !== 'open';
    },
    get cannotExport() {
      return !this.session.sessionId;
    },

    get showBanner() {
      return ['taken-over', 'rejected', 'restarting', 'refused'].includes(this.session.connection);
    },
    get bannerText() {
      const connection = this.session.connection;
      if (connection === 'taken-over') {
        const reason = this.session.notice || 'This chat was opened in another tab or window.';
        return `${reason} This tab stopped receiving updates.`;
      }
      if (connection === 'restarting') {
        const reason = this.session.notice || 'The server is restarting.';
        return `${reason} Reconnecting as soon as it is back; your answer resumes where it stopped.`;
      }
      return this.session.notice;
    },
    get canTakeBack() {
      return this.session.connection === 'taken-over';
    },
    get canRetry() {
      return this.session.connection === 'rejected';
    },

    takeBack() {
      chatClient.takeBack();
    },
    exportTranscript() {
      const url = chatClient.exportUrl();
      if (!url) return;
      // `download` saves the file without leaving the chat.
      const link = document.createElement('a');
      link.href = url;
      link.download = '';
      link.rel = 'noopener';
      document.body.append(link);
      link.click();
      link.remove();
    },
  };
}
