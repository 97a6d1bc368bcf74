import { Alpine } from '/static/vendor.js';
import { renderToolUi } from '../tool-ui/render-tool-ui.js';

export function toolUi(part) {
  let controller = null;
  let cleanup = null;
  return {
    init() {
      controller = new AbortController();
      // The raw object: a 10,000-row table read through reactive proxies would crawl.
      cleanup = renderToolUi(this.$el.firstElementChild, Alpine.raw(part.ui), controller.signal);
    },
    destroy() {
      controller?.abort();
      cleanup?.();
      controller = null;
      cleanup = null;
    },
  };
}
