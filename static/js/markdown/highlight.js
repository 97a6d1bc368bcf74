import { DOMPurify, hljs } from '/static/vendor.js';

/**
 * The highlighted HTML still goes through DOMPurify (its own instance, without the markdown hooks),
 * keeping only spans with highlight.js classes. Colours come from our CSS: no style attributes.
 */

/** Bigger blocks stay plain: a huge paste would stall a frame. */
const MAX_HIGHLIGHTED_CHARS = 20_000;
/** `hljs-keyword`, and sub-scopes such as `function_`. */
const HLJS_CLASS = /^(hljs-[a-z][a-z_-]*|[a-z]+_+)$/;
const LANGUAGE_CLASS_PREFIX = 'language-';

const CODE_PURIFY_CONFIG = {
  ALLOWED_TAGS: ['span'],
  ALLOWED_ATTR: ['class'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

let codePurifier = null;

function purifier() {
  if (codePurifier) return codePurifier;
  codePurifier = DOMPurify(window);
  codePurifier.addHook('afterSanitizeAttributes', (node) => {
    if (!node.hasAttribute('class')) return;
    const kept = node.getAttribute('class').split(/\s+/).filter((name) => HLJS_CLASS.test(name));
    if (kept.length) node.setAttribute('class', kept.join(' '));
    else node.removeAttribute('class');
  });
  // Once: a config passed to each sanitize() call rebuilds the allow-lists every time.
  codePurifier.setConfig(CODE_PURIFY_CONFIG);
  return codePurifier;
}

function knownLanguage(code) {
  const languageClass = [...code.classList].find((name) => name.startsWith(LANGUAGE_CLASS_PREFIX));
  if (!languageClass) return null;
  const language = languageClass.slice(LANGUAGE_CLASS_PREFIX.length);
  return hljs.getLanguage(language) ? language : null;
}

export function highlightCodeElement(code) {
  const language = knownLanguage(code);
  const text = code.textContent;
  if (!language || text.length > MAX_HIGHLIGHTED_CHARS) return;
  let html;
  try {
    html = hljs.highlight(text, { language, ignoreIllegals: true }).value;
  } catch {
    return; // a grammar bug leaves the block plain
  }
  code.replaceChildren(purifier().sanitize(html));
  code.classList.add('hljs');
}
