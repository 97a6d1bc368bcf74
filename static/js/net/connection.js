/**
 * The chat WebSocket: opens at once, says hello (with what it needs to resume), reconnects with
 * backoff, and stops for good only when the server says another tab took over or refused us, or that
 * live chat is turned off (DISABLE_WEBSOCKET).
 * It knows nothing about the page; events go to `onEvent`, state changes to `onState`.
 */

const PROTOCOL_VERSION = 1;

/** Close codes that change what happens next (see docs/protocol.md, "Close codes"). */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_TAKEN_OVER = 4001;
const CLOSE_PROTOCOL_VERSION = 4002;
const CLOSE_SESSION_REJECTED = 4004;
const CLOSE_RATE_LIMITED = 4029;

/** Closes after which the page waits for the person instead of reconnecting by itself. */
const FINAL_CLOSE_STATES = {
  [CLOSE_TAKEN_OVER]: 'taken-over',
  [CLOSE_SESSION_REJECTED]: 'rejected',
  [CLOSE_PROTOCOL_VERSION]: 'refused',
};

const FIRST_RETRY_MS = 300;
const MAX_RETRY_MS = 10_000;
/** A restarting server is back within seconds: keep trying often (jitter still spreads the tabs). */
const RESTART_MAX_RETRY_MS = 2_000;
/** After being closed for flooding, never come straight back. */
const THROTTLED_RETRY_MS = 5_000;

/** The server's message when it answers /ws with WEBSOCKET_DISABLED (DISABLE_WEBSOCKET), else null. */
async function webSocketDisabledReason(wsUrl) {
  try {
    const response = await fetch(wsUrl.replace(/^ws/, 'http'), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (response.status !== 503) return null;
    const body = await response.json();
    return body?.error?.code === 'WEBSOCKET_DISABLED' ? String(body.error.message) : null;
  } catch {
    return null;
  }
}

export class Connection {
  #url;
  #onEvent;
  #onState;
  #resumeInfo;
  #socket = null;
  #retryTimer = 0;
  #attempt = 0;
  #serverRestarting = false;
  #stopped = false;
  #boundOnline = () => this.#retryNowIfWaiting();

  /**
   * @param {{ url: string, onEvent: (event: object) => void,
   *           onState: (state: string, closeCode?: number, detail?: string) => void,
   *           resumeInfo: () => { sessionId?: string, lastSeq?: number } }} options
   */
  constructor({ url, onEvent, onState, resumeInfo }) {
    this.#url = url;
    this.#onEvent = onEvent;
    this.#onState = onState;
    this.#resumeInfo = resumeInfo;
  }

  start() {
    this.#stopped = false;
    window.addEventListener('online', this.#boundOnline);
    this.#open();
  }

  /** Sends a client message; false when there is no open socket to carry it. */
  send(message) {
    if (!this.#socket || this.#socket.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** The server accepted us (a `ready` arrived): the next drop starts the backoff from scratch. */
  markHealthy() {
    this.#attempt = 0;
    this.#serverRestarting = false;
  }

  /** Reconnect right away, e.g. "Take back" after another tab took the chat. */
  reconnectNow() {
    this.#stopped = false;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = 0;
    this.#attempt = 0;
    this.#discardSocket();
    this.#open();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    window.removeEventListener('online', this.#boundOnline);
    this.#discardSocket();
  }

  #open() {
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      socket.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, ...this.#resumeInfo() }));
    });
    socket.addEventListener('message', (message) => {
      if (socket !== this.#socket || typeof message.data !== 'string') return;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // the server only sends JSON; a broken frame is not worth killing the page for
      }
      if (event && typeof event.type === 'string') this.#onEvent(event);
    });
    socket.addEventListener('close', (closeEvent) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      if (opened) this.#afterClose(closeEvent.code);
      else this.#afterFailedHandshake(closeEvent.code);
    });
  }

  /** A refused handshake says nothing to scripts: ask /ws over HTTP whether live chat is off on purpose. */
  async #afterFailedHandshake(code) {
    const reason = await webSocketDisabledReason(this.#url);
    if (this.#stopped || this.#socket) return;
    if (reason) this.#onState('disabled', code, reason);
    else this.#afterClose(code);
  }

  #afterClose(code) {
    if (this.#stopped) return;
    // Takeover, refusal or an outdated page: reconnecting on our own would only fight or fail again.
    const finalState = FINAL_CLOSE_STATES[code];
    if (finalState) {
      this.#onState(finalState, code);
      return;
    }
    if (code === CLOSE_GOING_AWAY) this.#serverRestarting = true;
    this.#onState('reconnecting', code);
    const throttled = code === CLOSE_RATE_LIMITED || code === CLOSE_POLICY_VIOLATION;
    this.#scheduleRetry(throttled ? THROTTLED_RETRY_MS : 0);
  }

  #scheduleRetry(minimumDelay) {
    const cap = this.#serverRestarting ? RESTART_MAX_RETRY_MS : MAX_RETRY_MS;
    const exponential = Math.min(cap, FIRST_RETRY_MS * 2 ** this.#attempt);
    // Jitter spreads a thousand tabs reconnecting after a server restart over time.
    const delay = Math.max(minimumDelay, exponential * (0.75 + Math.random() * 0.5));
    this.#attempt++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = 0;
      this.#open();
    }, delay);
  }

  #retryNowIfWaiting() {
    if (!this.#retryTimer) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = 0;
    this.#open();
  }

  #discardSocket() {
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client closing');
  }
}
