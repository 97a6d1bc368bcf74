import { showEarlierEntries } from '../events/history.js';

const BATCH = 100;

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
      // Keep the reader's place: the same distance from the bottom.
      this.$nextTick(() => {
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
      });
    },
  };
}
