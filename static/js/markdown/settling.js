/**
 * Where a streamed markdown text can be cut: which leading blocks can no longer change as more
 * text arrives.
 *
 * A block is settled once a later non-blank block starts on a complete line. Until then the block
 * may still grow: the next line can continue a paragraph, add a list item, or close (or turn out to
 * be inside) a code fence. Once a following block has begun on a line of its own, marked has already
 * decided where the earlier block ends, and appending text only ever changes that last block.
 */

/**
 * How many leading tokens are settled: every token before the last non-blank block that starts on
 * a complete line. If the tokens do not add up to the source (never seen, but marked may change),
 * nothing is settled and the whole tail is simply rendered again.
 */
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

/**
 * True when rendering these blocks one by one could differ from rendering the whole text: a
 * reference link definition (`[id]: url`) applies to blocks before it, and a raw HTML block may be
 * closed by a later one (`<details>` … `</details>`), which sanitizing them apart cannot nest.
 */
export function dependsOnLaterBlocks(tokens) {
  return tokens.some((token) => token.type === 'def' || token.type === 'html');
}
