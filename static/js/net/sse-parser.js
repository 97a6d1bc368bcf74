/** The tests read the server's streams with it too. */
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
    // A trailing CR may be the first half of CRLF.
    const lines = this.#buffer.split(/\r\n|\n|\r(?!$)/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return; // the server's heartbeat
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
