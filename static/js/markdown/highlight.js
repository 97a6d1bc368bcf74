import { DOMPurify, hljs } from '/static/vendor.js';

/**
 * Syntax colours for finished code blocks, with highlight.js.
 *
 * The input is the code element's text (already sanitized and inert); highlight.js escapes it and
 * wraps pieces in `<span class="hljs-…">`. That HTML string still goes through DOMPurify — its own
 * instance, so the markdown hooks do not apply — allowing nothing but spans whose classes are
 * highlight.js scopes, before it replaces the code element's text. Colours come from our CSS
 * (css/code-highlight.css): highlight.js writes no style attribute, so the CSP stays strict.
 */

/** Bigger blocks stay plain: highlighting is linear but a huge paste would stall a frame. */
const MAX_HIGHLIGHTED_CHARS = 20_000;
/** highlight.js scopes: `hljs-keyword`, `hljs-built_in`, and sub-scopes written as `function_`, `inherited__`. */
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
  return codePurifier;
}

/** The language a fenced block names (`language-js` → `js`), if highlight.js knows it. */
function knownLanguage(code) {
  const languageClass = [...code.classList].find((name) => name.startsWith(LANGUAGE_CLASS_PREFIX));
  if (!languageClass) return null;
  const language = languageClass.slice(LANGUAGE_CLASS_PREFIX.length);
  return hljs.getLanguage(language) ? language : null;
}

/** Colours one sanitized `<code>` element in place; unknown languages and huge blocks stay plain. */
export function highlightCodeElement(code) {
  const language = knownLanguage(code);
  const text = code.textContent;
  if (!language || text.length > MAX_HIGHLIGHTED_CHARS) return;
  let html;
  try {
    html = hljs.highlight(text, { language, ignoreIllegals: true }).value;
  } catch {
    return; // a grammar bug leaves the block plain rather than losing it
  }
  code.replaceChildren(purifier().sanitize(html, CODE_PURIFY_CONFIG));
  code.classList.add('hljs');
}
