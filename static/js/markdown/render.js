import { marked } from '/static/vendor.js';
import { sanitizeToFragment } from './sanitize.js';
import { highlightCodeElement } from './highlight.js';

/** Every path goes through `sanitizeToFragment`; later changes are on DOM nodes, never HTML strings. */

const MARKED_OPTIONS = { gfm: true, breaks: false, async: false };

/** Lexes markdown into block tokens, resolving reference links defined earlier in the message. */
export function lexMarkdown(source, knownLinks) {
  const lexer = new marked.Lexer({ ...marked.defaults, ...MARKED_OPTIONS });
  if (knownLinks) Object.assign(lexer.tokens.links, knownLinks);
  return lexer.lex(source);
}

/** `highlight` is off for the unfinished last block, which is redrawn every frame. */
export function renderTokens(tokens, { highlight = false } = {}) {
  let html;
  try {
    html = marked.parser(tokens, { ...marked.defaults, ...MARKED_OPTIONS });
  } catch {
    // marked gives up on some pathological input; showing the raw text beats showing nothing.
    return plainTextFragment(tokens.map((token) => token.raw).join(''));
  }
  return decorate(sanitizeToFragment(html), highlight);
}

/** Renders a whole markdown document into a safe fragment. */
export function renderMarkdown(source, options) {
  let tokens;
  try {
    tokens = lexMarkdown(source);
  } catch {
    return plainTextFragment(source);
  }
  return renderTokens(tokens, options);
}

function plainTextFragment(text) {
  const fragment = document.createDocumentFragment();
  const paragraph = document.createElement('p');
  paragraph.className = 'plain-text';
  paragraph.textContent = text;
  fragment.append(paragraph);
  return fragment;
}

/** Copy buttons on code, scrollers on tables, and colours on finished code. */
function decorate(fragment, highlight) {
  for (const pre of fragment.querySelectorAll('pre')) {
    const code = pre.querySelector('code');
    if (highlight && code) highlightCodeElement(code);
    wrapCodeBlock(pre);
  }
  for (const table of fragment.querySelectorAll('table')) wrapTable(table);
  return fragment;
}

function wrapCodeBlock(pre) {
  const code = pre.querySelector('code');
  const languageClass = code ? [...code.classList].find((name) => name.startsWith('language-')) : undefined;
  const wrapper = document.createElement('div');
  wrapper.className = 'code-block';
  const header = document.createElement('div');
  header.className = 'code-block-header';
  const language = document.createElement('span');
  language.className = 'code-language';
  language.textContent = languageClass ? languageClass.slice('language-'.length) : 'code';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', 'Copy code');
  header.append(language, copy);
  pre.replaceWith(wrapper);
  wrapper.append(header, pre);
}

function wrapTable(table) {
  const scroller = document.createElement('div');
  scroller.className = 'table-scroll';
  table.replaceWith(scroller);
  scroller.append(table);
}
