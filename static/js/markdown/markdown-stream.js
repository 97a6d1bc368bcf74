import { lexMarkdown, renderMarkdown, renderTokens } from './render.js';
import { countSettledTokens, dependsOnLaterBlocks } from './settling.js';
import { highlightCodeElement } from './highlight.js';

/** Settled blocks per chunk, counted from the text's start (the same however it arrived); off-screen
 *  chunks skip layout and paint (css/markdown.css), so token 5,000 costs what token 100 does. */
const TOKENS_PER_CHUNK = 24;
/** Each render costs a style, layout and paint pass of a few ms whatever its size, and a fast model
 *  sends a delta every 16 ms; ten renders a second still read as continuous. The end renders at once. */
const MIN_RENDER_INTERVAL_MS = 100;

/**
 * Renders a streamed markdown text in animation frames. Re-rendering the whole text each time would
 * cost O(length) per frame, so only the live tail is lexed, rendered and sanitized (whole, so a
 * payload split across deltas is judged whole); a block is settled, rendered once with its code
 * coloured and kept, once a later block starts on a complete line (settling.js). Chunks of settled
 * blocks are laid out as a one-shot render lays them out. A reference link defined after its use,
 * or raw HTML spanning blocks, cannot be rendered block by block: the end renders such a text whole.
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
  /** Replaced every render; drawn from #drawnTail's tokens (null: drawn as plain text). */
  #tailNodes = [];
  #drawnTail = null;
  #drawnTailTokens = null;
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

  /** Renders at once, not in a frame: the answer's text is final when its actions show. */
  finish() {
    this.#finished = true;
    if (!this.#host) return;
    if (this.#frame) cancelAnimationFrame(this.#frame);
    if (this.#timer) clearTimeout(this.#timer);
    this.#frame = 0;
    this.#timer = 0;
    this.#render();
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
    this.#drawnTail = null;
    this.#drawnTailTokens = null;
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
    if (this.#finished && tail === this.#drawnTail && this.#settleDrawnTail()) return;
    let tokens;
    try {
      tokens = lexMarkdown(tail, this.#links);
    } catch {
      // marked gave up on this text; renderMarkdown shows it as plain text instead.
      this.#replaceTail(renderMarkdown(tail));
      this.#drawnTail = null;
      return;
    }
    const settledCount = this.#finished ? tokens.length : countSettledTokens(tokens, tail);
    // Judged on settled blocks only: the tail may look like HTML for a frame and then not.
    if (dependsOnLaterBlocks(tokens.slice(0, settledCount))) this.#needsWholeRender = true;
    if (this.#finished && this.#needsWholeRender) {
      this.#renderWhole();
      return;
    }
    this.#replaceTail(null);
    if (settledCount > 0) this.#settle(tokens.slice(0, settledCount));
    this.#replaceTail(this.#finished ? null : renderTokens(tokens.slice(settledCount)));
    this.#drawnTail = this.#finished ? null : this.#text.slice(this.#settledLength);
    this.#drawnTailTokens = this.#finished ? null : tokens.slice(settledCount);
  }

  /** An end whose text is all drawn: the tail's nodes are what settling would make, so they stay,
   *  only coloured, unless they would straddle two chunks or the text needs a whole render. */
  #settleDrawnTail() {
    const tokens = this.#drawnTailTokens;
    if (!tokens || this.#needsWholeRender || dependsOnLaterBlocks(tokens)) return false;
    const room = this.#openChunk ? TOKENS_PER_CHUNK - this.#openChunkSize : 0;
    if (tokens.length > (room || TOKENS_PER_CHUNK)) return false;
    for (const node of this.#tailNodes) {
      if (node.nodeType === Node.ELEMENT_NODE) for (const code of node.querySelectorAll('pre code')) highlightCodeElement(code);
    }
    // With room, the tail was drawn inside the open chunk already (#replaceTail).
    if (tokens.length > 0 && room === 0) {
      this.#startChunk();
      this.#openChunk.append(...this.#tailNodes);
    }
    this.#openChunkSize += tokens.length;
    for (const token of tokens) this.#settledLength += token.raw.length;
    this.#tailNodes = [];
    this.#drawnTail = null;
    this.#drawnTailTokens = null;
    return true;
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
    this.#host.insertBefore(this.#openChunk, this.#tailNodes[0]?.parentNode === this.#host ? this.#tailNodes[0] : null);
  }

  /** Into the open chunk while it has room, where the end leaves it: no second layout of the text. */
  #replaceTail(fragment) {
    for (const node of this.#tailNodes) node.remove();
    this.#tailNodes = fragment ? [...fragment.childNodes] : [];
    if (!fragment) return;
    const chunkHasRoom = this.#openChunk && this.#openChunkSize < TOKENS_PER_CHUNK;
    (chunkHasRoom ? this.#openChunk : this.#host).append(fragment);
  }

  #renderWhole() {
    const chunk = document.createElement('div');
    chunk.className = 'md-chunk';
    chunk.append(renderMarkdown(this.#text, { highlight: true }));
    this.#host.replaceChildren(chunk);
    this.#openChunk = null;
    this.#tailNodes = [];
    this.#drawnTail = null;
    this.#settledLength = this.#text.length;
  }
}
