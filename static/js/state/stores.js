import { Alpine } from '/static/vendor.js';

/**
 * Shared page state, one Alpine store per concern. Only things the templates show live here;
 * streamed answer text does not (see markdown/streams.js), so a delta never wakes Alpine up.
 */

export function registerStores() {
  Alpine.store('session', {
    appName: '',
    user: '',
    testMode: false,
    sessionId: null,
    model: '',
    models: [],
    tools: [],
    dataSources: [],
    selectedTools: [],
    selectedDataSources: [],
    locked: false,
    /** The organisations this person works for ({id, name}), and this chat's. */
    tenants: [],
    tenant: '',
    maxMessageChars: 32_000,
    /** 'connecting' | 'open' | 'reconnecting' | 'restarting' | 'taken-over' | 'rejected' | 'refused' */
    connection: 'connecting',
    /** The server's own words for a takeover, a restart or a refusal. */
    notice: '',
    /** While backing off after a 429 or 503: the server's reason, for the connection indicator. */
    retryNote: '',
    /** 'websocket' | 'stream' (HTTP streaming, where upgrades are blocked or turned off). */
    transport: 'websocket',

    get currentModel() {
      return this.models.find((model) => model.name === this.model) ?? null;
    },
    get ready() {
      return this.connection === 'open';
    },
  });

  Alpine.store('chat', {
    messages: [],
    /** True from a send until the turn's final message-end (or a turn-ending error). */
    busy: false,
    /** The status line: "Thinking… 10 s", the running tool, or '' when text is flowing. */
    status: '',
  });

  Alpine.store('toasts', {
    items: [],
  });
}

export const sessionStore = () => Alpine.store('session');
export const chatStore = () => Alpine.store('chat');
export const toastStore = () => Alpine.store('toasts');
