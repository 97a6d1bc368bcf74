/**
 * A block is settled once a later non-blank block starts on a complete line: until then the next
 * line may continue it (a paragraph, a list, a code fence); after, appending changes only the last block.
 */

/** Leading tokens settled; none when the tokens do not add up to the source (marked may change). */
export function countSettledTokens(tokens, source) {
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

/** A link definition applies to earlier blocks, and raw HTML may close in a later one: such a text
 *  renders differently block by block than whole. */
export function dependsOnLaterBlocks(tokens) {
  return tokens.some((token) => token.type === 'def' || token.type === 'html');
}
