import { element } from '../util/dom.js';

export function renderLinks(host, ui) {
  const items = (ui.links ?? [])
    .filter((link) => /^https?:\/\//i.test(link.url ?? ''))
    .map((link) =>
      element('li', {}, [
        element('a', { text: link.title || link.url, attrs: { href: link.url, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
        ...(link.description ? [element('span', { className: 'muted', text: ` — ${link.description}` })] : []),
      ]),
    );
  if (items.length > 0) host.append(element('ul', { className: 'tool-links' }, items));
}
