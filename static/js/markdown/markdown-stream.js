import { lexMarkdown, renderMarkdown, renderTokens } from './render.js';
import { countSettledTokens, dependsOnLaterBlocks } from './settling.js';

/**
 * Settled blocks are grouped into chunks of this many tokens, counted from the start of the text, so
 * the grouping is the same however the text arrived. Each chunk skips layout and paint while it is
 * off screen (css/markdown.css), so a frame costs about the same at token 100 and token 5,000.
 */
const TOKENS_PER_CHUNK = 24;
/**
 * At most one render per this many ms while text streams. Each render also costs the browser a
 * style, layout and paint pass of a few ms on these machines, whatever its size; a fast model sends
 * a delta every 16 ms, so rendering each one would spend most of every frame. 12.5 renders a second
 * still reads as continuous. The end of an answer is rendered at the next frame.
 */
const MIN_RENDER_INTERVAL_MS = 80;

/**
 * Renders one streamed markdown text into a host element, in an animation frame, at most once per
 * MIN_RENDER_INTERVAL_MS while text flows.
 *
 * Why not re-render the whole message each time: that costs O(length) per render, so a 5,000-token
 * answer would get steadily slower. Instead the text is split into a *settled* prefix and a live
 * tail. Each render only the tail is lexed, rendered and sanitized (from its full accumulated text,
 * so a payload split across deltas is always judged whole). A block is settled once a later block
 * has started on a complete line (see settling.js): appending text can no longer change where it
 * ends, so it is rendered once — with its code highlighted — and kept.
 *
 * Settled blocks sit in chunks (`div.md-chunk`), followed by the tail's blocks, exactly as a one-shot
 * render (`setText(text, true)`) lays them out, so finishing only has to settle the last tail. What
 * block-by-block rendering cannot know is a reference link defined after the block that uses it, or
 * raw HTML opened in one block and closed in another; when the text has either, the finish renders
 * the whole text once, as one chunk — and so does a one-shot render of that text.
 */
export class MarkdownStream {
  #text = '';
  #settledLength = 0;
  #links = Object.create(null);
  #needsWholeRender = false;
  #openChunk = null;
  #openChunkSize = 0;
  #finished = false;
  #host = null;
  /** The tail's nodes in the host, replaced every render; settled chunks go before the first. */
  #tailNodes = [];
  /** False until the host holds exactly the settled blocks (after a mount, reset or whole render). */
  #hostInSync = false;
  #frame = 0;
  #timer = 0;
  #lastRenderAt = -Infinity;

  /** The markdown as received (what "Copy answer" copies). */
  get text() {
    return this.#text;
  }

  append(delta) {
    // marked folds \r\n into \n while lexing; dropping \r here keeps our offsets equal to its offsets.
    this.#text += delta.includes('\r') ? delta.replace(/\r/g, '') : delta;
    if (this.#finished) this.#reopen();
    this.#schedule();
  }

  /** Replaces the text (history snapshots); `finished` says whether more deltas may follow. */
  setText(text, finished) {
    this.#text = text.replace(/\r/g, '');
    this.#finished = finished;
    this.#resetStreamingState();
    this.#schedule();
  }

  finish() {
    this.#finished = true;
    this.#schedule();
  }

  mount(host) {
    this.#host = host;
    this.#resetStreamingState();
    this.#schedule();
  }

  unmount() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    if (this.#timer) clearTimeout(this.#timer);
    this.#frame = 0;
    this.#timer = 0;
    this.#host = null;
    this.#resetStreamingState();
  }

  #reopen() {
    // The last render treated the old end as final; start over from the text as it now stands.
    this.#finished = false;
    this.#resetStreamingState();
  }

  #resetStreamingState() {
    this.#settledLength = 0;
    this.#links = Object.create(null);
    this.#needsWholeRender = false;
    this.#openChunk = null;
    this.#openChunkSize = 0;
    this.#tailNodes = [];
    this.#hostInSync = false;
  }

  #schedule() {
    if (this.#frame || !this.#host) return;
    const wait = this.#lastRenderAt + MIN_RENDER_INTERVAL_MS - performance.now();
    if (wait > 0 && !this.#finished) {
      this.#timer ||= setTimeout(() => {
        this.#timer = 0;
        this.#requestFrame();
      }, wait);
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = 0;
    this.#requestFrame();
  }

  #requestFrame() {
    if (this.#frame || !this.#host) return;
    this.#frame = requestAnimationFrame((now) => {
      this.#frame = 0;
      this.#lastRenderAt = now;
      this.#render();
    });
  }

  #render() {
    if (!this.#host) return;
    if (!this.#hostInSync) {
      this.#host.replaceChildren();
      this.#tailNodes = [];
      this.#hostInSync = true;
    }
    const tail = this.#text.slice(this.#settledLength);
    let tokens;
    try {
      tokens = lexMarkdown(tail, this.#links);
    } catch {
      // marked gave up on this text; renderMarkdown shows it as plain text instead.
      this.#replaceTail(renderMarkdown(tail));
      return;
    }
    const settledCount = this.#finished ? tokens.length : countSettledTokens(tokens, tail);
    // Judged on settled blocks only: the tail may look like HTML for a frame and then not.
    if (dependsOnLaterBlocks(tokens.slice(0, settledCount))) this.#needsWholeRender = true;
    if (this.#finished && this.#needsWholeRender) {
      this.#renderWhole();
      return;
    }
    if (settledCount > 0) this.#settle(tokens.slice(0, settledCount));
    this.#replaceTail(this.#finished ? null : renderTokens(tokens.slice(settledCount)));
  }

  #settle(tokens) {
    for (const token of tokens) {
      if (token.type === 'def' && !(token.tag in this.#links)) {
        this.#links[token.tag] = { href: token.href, title: token.title };
      }
      this.#settledLength += token.raw.length;
    }
    let index = 0;
    while (index < tokens.length) {
      if (!this.#openChunk || this.#openChunkSize === TOKENS_PER_CHUNK) this.#startChunk();
      const count = Math.min(TOKENS_PER_CHUNK - this.#openChunkSize, tokens.length - index);
      this.#openChunk.append(renderTokens(tokens.slice(index, index + count), { highlight: true }));
      this.#openChunkSize += count;
      index += count;
    }
  }

  #startChunk() {
    this.#openChunk = document.createElement('div');
    this.#openChunk.className = 'md-chunk';
    this.#openChunkSize = 0;
    this.#host.insertBefore(this.#openChunk, this.#tailNodes[0] ?? null);
  }

  #replaceTail(fragment) {
    for (const node of this.#tailNodes) node.remove();
    this.#tailNodes = fragment ? [...fragment.childNodes] : [];
    if (fragment) this.#host.append(fragment);
  }

  /** Once, at the end, when block-by-block rendering could differ from the whole document's. */
  #renderWhole() {
    const chunk = document.createElement('div');
    chunk.className = 'md-chunk';
    chunk.append(renderMarkdown(this.#text, { highlight: true }));
    this.#host.replaceChildren(chunk);
    this.#openChunk = null;
    this.#tailNodes = [];
    this.#settledLength = this.#text.length;
  }
}
