import { MarkdownStream } from './markdown-stream.js';

/**
 * The markdown streams of the conversation, by text-part key. Kept out of Alpine's reactive state
 * on purpose: a delta appends to a plain string and schedules a frame, with no proxies involved.
 */

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
