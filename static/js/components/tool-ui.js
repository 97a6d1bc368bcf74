import { Alpine } from '/static/vendor.js';
import { renderToolUi } from '../tool-ui/render-tool-ui.js';

/**
 * Mounts a tool's rich result (table, chart, buttons, code). The builders use text nodes only;
 * their listeners hang off one AbortController, released in destroy().
 */
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
