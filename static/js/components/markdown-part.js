import { getStream } from '../markdown/streams.js';

/**
 * Mounts a text part's markdown stream into its host, the component's only child. The host carries
 * x-ignore: Alpine must not walk (or act on) model-generated DOM, which changes every frame while
 * text flows. (Not an x-ref: init() runs before Alpine has seen the children's directives.)
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
