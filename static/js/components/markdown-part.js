import { getStream } from '../markdown/streams.js';

/**
 * The host carries x-ignore: Alpine must not walk model-generated DOM, which changes every frame.
 * Not an x-ref: init() runs before Alpine has seen the children's directives.
 */
export function markdownPart(part) {
  let stream = null;
  return {
    init() {
      stream = getStream(part.key) ?? null;
      stream?.mount(this.$el.firstElementChild);
    },
    destroy() {
      stream?.unmount();
      stream = null;
    },
  };
}
