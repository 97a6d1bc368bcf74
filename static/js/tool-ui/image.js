import { element } from '../util/dom.js';

// Validated by the server too; the page never trusts it blindly.
const SAFE_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,/;

export function renderImage(host, ui) {
  if (typeof ui.src !== 'string' || !SAFE_IMAGE.test(ui.src)) return;
  host.append(element('img', { className: 'tool-image', attrs: { src: ui.src, alt: ui.alt ?? 'Image from a tool', loading: 'lazy' } }));
}
