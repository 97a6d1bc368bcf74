import { chatClient } from '../net/chat-client.js';
import { sessionStore } from '../state/stores.js';

export function tenantPicker() {
  return {
    get hasChoice() {
      return sessionStore().tenants.length > 1;
    },
    get isDisabled() {
      return sessionStore().connection !== 'open' || sessionStore().locked;
    },
    get lockedHint() {
      return sessionStore().locked ? 'Fixed once the chat has started; start a new chat to work for another organisation.' : '';
    },
    isCurrent(tenant) {
      return tenant.id === sessionStore().tenant;
    },
    choose(event) {
      const id = event.target.value;
      // The box follows the server: it changes when `scope` confirms, and stays if refused.
      event.target.value = sessionStore().tenant;
      if (id && id !== sessionStore().tenant) chatClient.selectTenant(id);
    },
  };
}
