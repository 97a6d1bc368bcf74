/**
 * An incremental Server-Sent Events reader (the WHATWG event-stream format): feed it text as it
 * arrives, in chunks cut anywhere, and it calls `onMessage({ event, data, id })` for each complete
 * message. The page uses it on a fetch() body (an EventSource cannot show why a stream was refused);
 * the tests read the server's streams with it too. `lastEventId` follows the spec: it persists across
 * messages and only an `id:` field changes it.
 */
export class SseParser {
  #buffer = '';
  #event = '';
  #data = [];
  #onMessage;
  lastEventId = '';

  /** @param {(message: { event: string, data: string, id: string }) => void} onMessage */
  constructor(onMessage) {
    this.#onMessage = onMessage;
  }

  /** @param {string} text */
  push(text) {
    this.#buffer += text;
    // A trailing CR may be the first half of CRLF: keep it until the next chunk decides.
    const lines = this.#buffer.split(/\r\n|\n|\r(?!$)/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return; // a comment (the server's heartbeat)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
  }

  #dispatch() {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return;
    this.#onMessage({ event, data: data.join('\n'), id: this.lastEventId });
  }
}
