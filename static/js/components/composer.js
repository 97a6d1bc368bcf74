import { chatClient } from '../net/chat-client.js';
import { chatStore, sessionStore } from '../state/stores.js';

/** Tallest the box grows before it scrolls, as a share of the window height. */
const MAX_HEIGHT_SHARE = 0.4;
const growsNatively = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');
/** A touch screen has no Enter-to-send habit (its keyboard's Enter is a newline): it taps Send. */
const isTouchScreen = () => window.matchMedia('(pointer: coarse)').matches;

/**
 * The message box: Enter sends, Shift+Enter (or an IME composition) inserts a newline; the box grows
 * with its text (CSS `field-sizing` where supported, otherwise measured here) and then scrolls.
 */
export function composer() {
  return {
    draft: '',

    get maxChars() {
      return sessionStore().maxMessageChars;
    },
    get placeholder() {
      return isTouchScreen() ? 'Ask anything, then tap Send' : 'Ask anything — Enter to send, Shift+Enter for a new line';
    },
    get showSend() {
      return !chatStore().busy;
    },
    get cannotSend() {
      return sessionStore().connection !== 'open' || chatStore().busy || this.draft.trim() === '';
    },

    init() {
      // Ready to type on a desktop; on a touch screen focusing would throw the keyboard up unasked.
      if (window.matchMedia('(pointer: fine)').matches) this.$refs.input.focus();
    },

    onEnter(event) {
      if (event.shiftKey || event.isComposing || event.keyCode === 229 || isTouchScreen()) return;
      event.preventDefault();
      this.submit();
    },

    submit() {
      if (this.cannotSend) return;
      if (chatClient.sendText(this.draft.trim())) {
        this.draft = '';
        this.$nextTick(() => this.autosize());
      }
    },

    stop() {
      chatClient.stop();
    },

    autosize() {
      if (growsNatively) return;
      const input = this.$refs.input;
      input.style.height = 'auto';
      input.style.height = `${Math.min(input.scrollHeight, window.innerHeight * MAX_HEIGHT_SHARE)}px`;
    },
  };
}
