import { onChatEvent } from '../net/chat-client.js';

export function chatNotice() {
  let unsubscribe = null;
  let seen = new Set();
  let sessionId = null;
  return {
    text: '',
    init() {
      unsubscribe = onChatEvent((event) => {
        if (event.type === 'ready' && event.session?.id !== sessionId) {
          sessionId = event.session?.id ?? null;
          seen = new Set();
          this.text = '';
        } else if (event.type === 'notice' && !seen.has(event.key)) {
          seen.add(event.key);
          this.text = event.text;
        }
      });
    },
    destroy() {
      unsubscribe?.();
    },
    get hasText() {
      return this.text !== '';
    },
  };
}
