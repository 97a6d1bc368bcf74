const MAX_TITLE_CHARS = 60;

/**
 * A chat's title from its first message: the first non-empty line, markdown marks stripped,
 * white space collapsed, cut on a word boundary at 60 characters with an ellipsis.
 */
export function titleFromMessage(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  const plain = line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/^#{1,6}\s+|^>\s*|^[-*+]\s+|^\d+[.)]\s+/g, '')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain.length <= MAX_TITLE_CHARS) return plain || 'New chat';
  const cut = plain.slice(0, MAX_TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?-]+$/, '')}…`;
}
