import { MarkdownStream } from './markdown-stream.js';

/** Outside Alpine on purpose: a delta appends to a plain string, with no proxies involved. */

const streams = new Map();

export function createStream(key) {
  const stream = new MarkdownStream();
  streams.set(key, stream);
  return stream;
}

export function getStream(key) {
  return streams.get(key);
}

export function clearStreams() {
  for (const stream of streams.values()) stream.unmount();
  streams.clear();
}
