import { checkConnection } from './connection-check.js';
import { openEventStream } from './event-stream-transport.js';
import { openWebSocket } from './websocket-transport.js';

/** WebSocket first; when upgrades keep failing but the server answers its check, HTTP streaming. */

const PROTOCOL_VERSION = 1;
const CHECK_PATH = '/api/connection-check';
const STREAM_PATH = '/sse';

/** See docs/protocol.md, "Close codes". */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_TAKEN_OVER = 4001;
const CLOSE_PROTOCOL_VERSION = 4002;
const CLOSE_SESSION_REJECTED = 4004;
const CLOSE_NO_TENANT = 4006;
const CLOSE_RATE_LIMITED = 4029;

/** After these the page waits for the person: reconnecting would only fight or fail again. */
const FINAL_CLOSE_STATES = {
  [CLOSE_TAKEN_OVER]: 'taken-over',
  [CLOSE_SESSION_REJECTED]: 'rejected',
  [CLOSE_PROTOCOL_VERSION]: 'refused',
  [CLOSE_NO_TENANT]: 'no-tenant',
};

const FIRST_RETRY_MS = 300;
const MAX_RETRY_MS = 10_000;
/** A restarting server is back within seconds. */
const RESTART_MAX_RETRY_MS = 2_000;
const THROTTLED_RETRY_MS = 5_000;
/** A page whose socket once worked is more likely on a flaky network: it tries the socket longer. */
const FALLBACK_AFTER_FAILURES = 2;
const FALLBACK_AFTER_FAILURES_ONCE_OPENED = 6;

const isTemporary = (status) => status === 429 || status >= 500;

export class Connection {
  #url;
  #onEvent;
  #onState;
  #resumeInfo;
  #transport = null;
  #retryTimer = 0;
  #attempt = 0;
  #serverRestarting = false;
  #stopped = false;
  #mode = 'websocket';
  #failedHandshakes = 0;
  #webSocketEverOpened = false;
  #boundOnline = () => this.#retryNowIfWaiting();

  constructor({ url, onEvent, onState, resumeInfo }) {
    this.#url = url;
    this.#onEvent = onEvent;
    this.#onState = onState;
    this.#resumeInfo = resumeInfo;
  }

  get mode() {
    return this.#mode;
  }

  start() {
    this.#stopped = false;
    window.addEventListener('online', this.#boundOnline);
    this.#open();
  }

  send(message) {
    return this.#transport?.send(message) ?? false;
  }

  markHealthy() {
    this.#attempt = 0;
    this.#serverRestarting = false;
  }

  reconnectNow() {
    this.#stopped = false;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = 0;
    this.#attempt = 0;
    this.#discardTransport();
    this.#open();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    window.removeEventListener('online', this.#boundOnline);
    this.#discardTransport();
  }

  #open() {
    const handlers = {
      onEvent: (event) => this.#transport === transport && this.#onEvent(event),
      onClose: (code, opened) => {
        if (this.#transport !== transport) return;
        this.#transport = null;
        if (opened || transport.kind === 'stream') this.#afterClose(code);
        else void this.#afterFailedHandshake(code);
      },
      onRefused: (status, error) => {
        if (this.#transport !== transport) return;
        this.#transport = null;
        this.#refused(status, error);
      },
    };
    let transport;
    if (this.#mode === 'stream') {
      transport = openEventStream(STREAM_PATH, PROTOCOL_VERSION, this.#resumeInfo(), { ...handlers, onOpen: () => {} });
    } else {
      transport = openWebSocket(this.#url, {
        ...handlers,
        onOpen: () => {
          this.#failedHandshakes = 0;
          this.#webSocketEverOpened = true;
          transport.send({ type: 'hello', v: PROTOCOL_VERSION, ...this.#resumeInfo() });
        },
      });
    }
    this.#transport = transport;
  }

  /** A refused handshake says nothing to scripts: ask the server why. */
  async #afterFailedHandshake(code) {
    const verdict = await checkConnection(CHECK_PATH);
    if (this.#stopped || this.#transport) return;
    if (verdict === null) return this.#afterClose(code);
    if (!verdict.ok) return this.#refused(verdict.status, verdict.error);
    this.#failedHandshakes += 1;
    const threshold = this.#webSocketEverOpened ? FALLBACK_AFTER_FAILURES_ONCE_OPENED : FALLBACK_AFTER_FAILURES;
    if (!verdict.websocket || this.#failedHandshakes >= threshold) {
      this.#mode = 'stream';
      this.#open();
      return;
    }
    this.#afterClose(code);
  }

  #refused(status, error) {
    if (this.#stopped) return;
    const detail = { status, code: error?.code, message: error?.message };
    if (isTemporary(status)) {
      this.#onState('backing-off', undefined, detail);
      this.#scheduleRetry(THROTTLED_RETRY_MS);
    } else {
      this.#onState('blocked', undefined, detail);
    }
  }

  #afterClose(code) {
    if (this.#stopped) return;
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
    // Jitter spreads a thousand tabs reconnecting after a restart.
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

  #discardTransport() {
    const transport = this.#transport;
    this.#transport = null;
    transport?.discard();
  }
}
