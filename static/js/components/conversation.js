import { chatStore } from '../state/stores.js';
import { copyCodeBlock } from '../util/clipboard.js';

/** Within this many pixels of the bottom the reader counts as "at the end" and new text is followed. */
const FOLLOW_THRESHOLD_PX = 48;

/** Follows new text while the reader is at the end, stays put once they scroll up ("Jump to latest").
 *  A ResizeObserver sees every growth (text, tool results, charts) without anyone reporting in. */
export function conversation() {
  return {
    following: true,
    hasUnseen: false,
    resizeObserver: null,
    lastScrollTop: 0,

    init() {
      this.resizeObserver = new ResizeObserver(() => this.afterContentChange());
      this.resizeObserver.observe(this.$refs.content);
      // Sending a message always brings the reader back to the end, where the answer will appear.
      this.$watch('$store.chat.messages.length', (count, previous) => {
        const last = chatStore().messages[count - 1];
        if (count > previous && last?.role === 'user') this.jumpToLatest();
      });
    },

    destroy() {
      this.resizeObserver?.disconnect();
    },

    get isEmpty() {
      return chatStore().messages.length === 0;
    },

    get showJump() {
      return !this.following && this.hasUnseen;
    },

    afterContentChange() {
      if (this.following) this.scrollToEnd();
      else this.hasUnseen = true;
    },

    onScroll() {
      const scroller = this.$refs.scroller;
      const distance = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
      const scrolledUp = scroller.scrollTop < this.lastScrollTop;
      this.lastScrollTop = scroller.scrollTop;
      // Only the reader moving up stops following; content growing under us never does.
      if (scrolledUp && distance > FOLLOW_THRESHOLD_PX) this.following = false;
      else if (distance <= FOLLOW_THRESHOLD_PX) {
        this.following = true;
        this.hasUnseen = false;
      }
    },

    scrollToEnd() {
      const scroller = this.$refs.scroller;
      scroller.scrollTop = scroller.scrollHeight;
      this.lastScrollTop = scroller.scrollTop;
    },

    jumpToLatest() {
      this.following = true;
      this.hasUnseen = false;
      this.scrollToEnd();
    },

    onClick(event) {
      const button = event.target.closest('button.copy-code');
      if (button && this.$refs.content.contains(button)) copyCodeBlock(button);
    },

    roleClass(message) {
      return `message-${message.role}`;
    },
  };
}
