const MAX_TITLE_CHARS = 60;
export const FALLBACK_TITLE = 'New chat';

/** Markdown that should not show in a title: headings, quotes, list marks, emphasis, code, links. */
function stripMarkdown(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)/, '')
    .replace(/(\*\*|__|\*|_|~~|`+)(.+?)\1/g, '$2')
    .replace(/[`*_~]/g, '');
}

/**
 * A conversation's title from its first message: the first non-empty line, markdown stripped,
 * whitespace collapsed, at most 60 characters cut on a word boundary with an ellipsis.
 */
export function titleFromMessage(text: string): string {
  const firstLine = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !/^(```|~~~)/.test(l)) ?? '';
  const clean = stripMarkdown(firstLine).replace(/\s+/g, ' ').trim();
  if (clean === '') return FALLBACK_TITLE;
  const chars = [...clean];
  if (chars.length <= MAX_TITLE_CHARS) return clean;
  const head = chars.slice(0, MAX_TITLE_CHARS - 1).join('');
  const lastSpace = head.lastIndexOf(' ');
  // A single very long word has no boundary to cut on: cut it mid-word rather than return nothing.
  const cut = lastSpace > MAX_TITLE_CHARS / 2 ? head.slice(0, lastSpace) : head;
  return `${cut.replace(/[\s.,;:!?-]+$/, '')}…`;
}
