import { lexMarkdown, renderMarkdown, renderTokens } from './render.js';

/**
 * Renders one streamed markdown text into a host element, at most once per animation frame.
 *
 * Why not re-render the whole message every frame: that costs O(length) per frame, so a 5,000-token
 * answer would get steadily slower. Instead the text is split into a *settled* prefix and a live
 * tail. Each frame only the tail is lexed, rendered and sanitized (from its full accumulated text,
 * so a payload split across deltas is always judged whole). A block is settled once a later block
 * has started on a complete line: appending text can no longer change where it ends, so it is
 * rendered once and kept. When the message ends, the whole text is rendered one last time, so
 * anything that depends on the entire document (reference links defined late) comes out exactly
 * as a one-shot render would.
 */
export class MarkdownStream {
  #text = '';
  #settledLength = 0;
  #links = Object.create(null);
  #finished = false;
  #host = null;
  #settledEl = null;
  #tailEl = null;
  #frame = 0;

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
    this.#frame = 0;
    this.#host = null;
    this.#settledEl = null;
    this.#tailEl = null;
  }

  #reopen() {
    this.#finished = false;
    this.#resetStreamingState();
  }

  #resetStreamingState() {
    this.#settledLength = 0;
    this.#links = Object.create(null);
    this.#settledEl = null;
    this.#tailEl = null;
  }

  #schedule() {
    if (this.#frame || !this.#host) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  #render() {
    if (!this.#host) return;
    if (this.#finished) {
      this.#host.replaceChildren(renderMarkdown(this.#text));
      this.#settledEl = null;
      this.#tailEl = null;
    } else {
      this.#renderStreaming();
    }
  }

  #renderStreaming() {
    if (!this.#settledEl) {
      this.#settledEl = document.createElement('div');
      this.#settledEl.className = 'md-settled';
      this.#tailEl = document.createElement('div');
      this.#tailEl.className = 'md-tail';
      this.#host.replaceChildren(this.#settledEl, this.#tailEl);
    }
    const tail = this.#text.slice(this.#settledLength);
    let tokens;
    try {
      tokens = lexMarkdown(tail, this.#links);
    } catch {
      this.#tailEl.replaceChildren(renderMarkdown(tail));
      return;
    }
    const settledCount = countSettledTokens(tokens, tail);
    if (settledCount > 0) {
      const settled = tokens.slice(0, settledCount);
      for (const token of settled) {
        if (token.type === 'def' && !(token.tag in this.#links)) {
          this.#links[token.tag] = { href: token.href, title: token.title };
        }
        this.#settledLength += token.raw.length;
      }
      this.#settledEl.append(renderTokens(settled));
    }
    this.#tailEl.replaceChildren(renderTokens(tokens.slice(settledCount)));
  }
}

/**
 * How many leading tokens are settled: every token before the last non-blank block that starts on
 * a complete line. If the tokens do not add up to the source (never seen, but marked may change),
 * nothing is settled and the whole tail is simply re-rendered.
 */
function countSettledTokens(tokens, source) {
  const lastNewline = source.lastIndexOf('\n');
  let offset = 0;
  let settled = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (index > 0 && token.type !== 'space' && offset <= lastNewline) settled = index;
    offset += token.raw.length;
  }
  return offset === source.length ? settled : 0;
}
