import { chatClient, onChatEvent } from '../net/chat-client.js';
import { sessionStore } from '../state/stores.js';
import { showToast } from '../state/toasts.js';
import { holdEarlier } from '../state/earlier-messages.js';
import {
  chatsStore,
  deleteConversation,
  groupByDay,
  loadMoreConversations,
  refreshConversations,
  refreshUsage,
  renameConversation,
  searchConversations,
} from '../state/conversations.js';

const SEARCH_DEBOUNCE_MS = 200;
const LOAD_MORE_PX = 120;

export function chatSidebar() {
  let searchTimer = null;
  let unsubscribe = null;
  let onKeydown = null;
  let sessionId = null;
  return {
    query: '',
    renameTarget: null,
    renameDraft: '',
    deleteTarget: null,

    init() {
      refreshConversations();
      refreshUsage();
      unsubscribe = onChatEvent((event) => this.onEvent(event));
      onKeydown = (event) => this.onKeydown(event);
      window.addEventListener('keydown', onKeydown);
      // A list too short to scroll would never ask for more.
      this.$watch('$store.chats.items.length', () => this.$nextTick(() => this.onListScroll()));
    },

    destroy() {
      unsubscribe?.();
      if (onKeydown) window.removeEventListener('keydown', onKeydown);
      clearTimeout(searchTimer);
    },

    get chats() {
      return chatsStore();
    },
    get isSearching() {
      return this.query.trim() !== '';
    },
    get groups() {
      if (this.isSearching) return [{ label: 'Search results', items: this.chats.results }];
      return groupByDay(this.chats.items.filter((item) => item.messageCount > 0));
    },
    get showNoResults() {
      return this.isSearching && !this.chats.searching && this.chats.results.length === 0;
    },
    get showEmpty() {
      return !this.isSearching && !this.chats.loading && !this.chats.items.some((item) => item.messageCount > 0);
    },
    get drawerClass() {
      return this.chats.drawerOpen ? 'is-open' : '';
    },
    get renameName() {
      return this.renameTarget ? `Rename “${this.titleOf(this.renameTarget)}”` : 'Rename chat';
    },
    get deleteQuestion() {
      return this.deleteTarget ? `Delete “${this.titleOf(this.deleteTarget)}”? This cannot be undone.` : '';
    },

    get showsTenant() {
      return sessionStore().tenants.length > 1;
    },
    titleOf(item) {
      return item.title || 'Untitled chat';
    },
    hasSnippet(item) {
      return Boolean(item.snippet);
    },
    currentAttr(item) {
      return item.id === sessionStore().sessionId ? 'page' : false;
    },

    onEvent(event) {
      if (event.type === 'ready' && (event.session?.id !== sessionId || !event.resumed)) {
        sessionId = event.session?.id ?? null;
        // Another chat: its `history` refills the held older entries.
        holdEarlier([]);
        refreshConversations();
      }
      if (event.type === 'title') refreshConversations();
      if (event.type === 'message-end') {
        refreshUsage();
        refreshConversations();
      }
    },

    onKeydown(event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        this.chats.drawerOpen = true;
        this.$nextTick(() => this.$refs.search.focus());
      } else if (event.key === 'Escape' && this.chats.drawerOpen && !document.querySelector('dialog[open]')) {
        this.closeDrawer();
      }
    },

    closeDrawer() {
      if (!this.chats.drawerOpen) return;
      this.chats.drawerOpen = false;
      document.getElementById('chats-menu-button')?.focus();
    },

    onSearchInput() {
      clearTimeout(searchTimer);
      const query = this.query;
      if (!query.trim()) {
        searchConversations('');
        return;
      }
      searchTimer = setTimeout(() => searchConversations(query), SEARCH_DEBOUNCE_MS);
    },

    onListScroll() {
      const list = this.$refs.list;
      if (list.scrollHeight - list.scrollTop - list.clientHeight < LOAD_MORE_PX) loadMoreConversations();
    },

    newChat() {
      chatClient.newChat();
      this.closeDrawer();
    },

    open(item) {
      if (item.id !== sessionStore().sessionId) chatClient.openChat(item.id);
      this.closeDrawer();
    },

    askRename(item) {
      this.renameTarget = item;
      this.renameDraft = item.title;
      this.$refs.renameDialog.showModal();
    },
    async submitRename() {
      const target = this.renameTarget;
      const title = this.renameDraft.trim();
      if (!target || !title) return;
      try {
        await renameConversation(target.id, title);
        this.$refs.renameDialog.close();
      } catch {
        showToast('The chat could not be renamed. Try again.', 'error');
      }
    },
    cancelRename() {
      this.$refs.renameDialog.close();
    },

    askDelete(item) {
      this.deleteTarget = item;
      this.$refs.deleteDialog.showModal();
    },
    async confirmDelete() {
      const target = this.deleteTarget;
      if (!target) return;
      try {
        await deleteConversation(target.id);
        this.$refs.deleteDialog.close();
        if (target.id === sessionStore().sessionId) chatClient.newChat();
      } catch {
        showToast('The chat could not be deleted. Try again.', 'error');
      }
    },
    cancelDelete() {
      this.$refs.deleteDialog.close();
    },
    onDialogClose() {
      this.renameTarget = null;
      this.deleteTarget = null;
    },
  };
}
