import { renderMarkdown } from '/static/js/markdown/render.js';

/**
 * The render bench's baseline: the page's MarkdownStream as it was before incremental rendering —
 * the whole accumulated text lexed, rendered and sanitized again on every animation frame. The
 * harness serves it in place of static/js/markdown/markdown-stream.js, so the same page, the same
 * renderer and the same deltas are measured both ways in one run.
 */
export class MarkdownStream {
  #text = '';
  #host = null;
  #frame = 0;

  get text() {
    return this.#text;
  }

  append(delta) {
    this.#text += delta.replace(/\r/g, '');
    this.#schedule();
  }

  setText(text) {
    this.#text = text.replace(/\r/g, '');
    this.#schedule();
  }

  finish() {
    this.#schedule();
  }

  mount(host) {
    this.#host = host;
    this.#schedule();
  }

  unmount() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#host = null;
  }

  #schedule() {
    if (this.#frame || !this.#host) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#host?.replaceChildren(renderMarkdown(this.#text, { highlight: true }));
    });
  }
}
