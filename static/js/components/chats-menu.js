import { chatsStore } from '../state/conversations.js';

export function chatsMenu() {
  return {
    get expanded() {
      return chatsStore().drawerOpen ? 'true' : 'false';
    },
    toggle() {
      const chats = chatsStore();
      chats.drawerOpen = !chats.drawerOpen;
      if (chats.drawerOpen) this.$nextTick(() => document.getElementById('chat-search')?.focus());
    },
    close() {
      chatsStore().drawerOpen = false;
    },
  };
}
