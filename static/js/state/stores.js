import { Alpine } from '/static/vendor.js';

export function registerStores() {
  Alpine.store('session', {
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
    tenants: [],
    tenant: '',
    maxMessageChars: 32_000,
    /** 'connecting' | 'open' | 'reconnecting' | 'restarting' | 'taken-over' | 'rejected' | 'refused' */
    connection: 'connecting',
    notice: '',
    retryNote: '',
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
    busy: false,
    status: '',
  });

  Alpine.store('toasts', {
    items: [],
  });
}

export const sessionStore = () => Alpine.store('session');
export const chatStore = () => Alpine.store('chat');
export const toastStore = () => Alpine.store('toasts');
