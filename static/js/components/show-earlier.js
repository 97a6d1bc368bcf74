import { showEarlierEntries } from '../events/history.js';

const BATCH = 100;

/**
 * The top of a reopened long chat: older messages are drawn a batch at a time when this comes into
 * view (or its button is pressed), and the scroll position is kept so the reader's place stays put.
 */
export function showEarlier() {
  let observer = null;
  return {
    init() {
      const scroller = this.$el.closest('.conversation');
      observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting) && this.$store.earlier.count > 0) this.more();
      }, { root: scroller, rootMargin: '400px 0px 0px 0px' });
      observer.observe(this.$el);
    },
    destroy() {
      observer?.disconnect();
    },
    get hasMore() {
      return this.$store.earlier.count > 0;
    },
    more() {
      const scroller = this.$el.closest('.conversation');
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      if (!showEarlierEntries(BATCH)) return;
      // After Alpine drew the batch, keep the same distance from the bottom.
      this.$nextTick(() => {
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
      });
    },
  };
}
