import { Alpine } from '/static/vendor.js';

const PAGE_SIZE = 30;
const SEARCH_LIMIT = 20;

export function registerConversationStore() {
  Alpine.store('chats', {
    items: [],
    nextCursor: null,
    loading: false,
    results: [],
    searching: false,
    drawerOpen: false,
    monthTokens: null,
    budgets: {},
  });
}

export const chatsStore = () => Alpine.store('chats');

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/** A ticket per kind, so a slow old answer never overwrites a newer one. */
const latest = { list: 0, search: 0, usage: 0 };
let listLoaded = false;
let listReloads = 0;

/** Unchanged entries are kept, so an answer's end redraws no sidebar. */
export async function refreshConversations() {
  const ticket = ++latest.list;
  const store = chatsStore();
  if (!listLoaded) store.loading = true;
  listReloads++;
  try {
    const page = await getJson(`/api/conversations?limit=${PAGE_SIZE}`);
    if (ticket !== latest.list) return;
    listLoaded = true;
    const items = keepUnchangedEntries(store.items, page.items ?? []);
    if (items !== store.items) store.items = items;
    const nextCursor = page.nextCursor ?? null;
    if (store.nextCursor !== nextCursor) store.nextCursor = nextCursor;
  } catch {
    // A convenience: the next refresh tries again.
  } finally {
    listReloads--;
    if (ticket === latest.list && store.loading) store.loading = false;
  }
}

export function keepUnchangedEntries(current, fresh) {
  const byId = new Map(current.map((item) => [item.id, item]));
  let changed = current.length !== fresh.length;
  const items = fresh.map((item, index) => {
    const known = byId.get(item.id);
    if (known && JSON.stringify(known) === JSON.stringify(item)) {
      if (current[index] !== known) changed = true;
      return known;
    }
    changed = true;
    return item;
  });
  return changed ? items : current;
}

export async function loadMoreConversations() {
  const store = chatsStore();
  if (!store.nextCursor || store.loading || listReloads > 0) return;
  const ticket = latest.list;
  store.loading = true;
  try {
    const page = await getJson(`/api/conversations?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(store.nextCursor)}`);
    if (ticket !== latest.list) return;
    const known = new Set(store.items.map((item) => item.id));
    store.items = [...store.items, ...(page.items ?? []).filter((item) => !known.has(item.id))];
    store.nextCursor = page.nextCursor ?? null;
  } catch {
  } finally {
    if (ticket === latest.list) store.loading = false;
  }
}

export async function searchConversations(query) {
  const ticket = ++latest.search;
  const store = chatsStore();
  if (!query.trim()) {
    store.results = [];
    store.searching = false;
    return;
  }
  store.searching = true;
  try {
    const page = await getJson(`/api/conversations?q=${encodeURIComponent(query.trim())}&limit=${SEARCH_LIMIT}`);
    if (ticket !== latest.search) return;
    store.results = page.items ?? [];
  } catch {
    if (ticket === latest.search) store.results = [];
  } finally {
    if (ticket === latest.search) store.searching = false;
  }
}

export async function renameConversation(id, title) {
  const response = await fetch(`/api/conversations/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw new Error(`rename: ${response.status}`);
  const store = chatsStore();
  for (const list of [store.items, store.results]) {
    const item = list.find((candidate) => candidate.id === id);
    if (item) item.title = title;
  }
}

export async function deleteConversation(id) {
  const response = await fetch(`/api/conversations/${encodeURIComponent(id)}`, { method: 'DELETE', credentials: 'same-origin' });
  // 404: already gone (another tab).
  if (!response.ok && response.status !== 404) throw new Error(`delete: ${response.status}`);
  const store = chatsStore();
  store.items = store.items.filter((item) => item.id !== id);
  store.results = store.results.filter((item) => item.id !== id);
}

export async function refreshUsage() {
  const ticket = ++latest.usage;
  try {
    const usage = await getJson('/api/usage');
    if (ticket !== latest.usage) return;
    const totals = usage.totals ?? {};
    chatsStore().monthTokens = (totals.promptTokens ?? 0) + (totals.completionTokens ?? 0);
    chatsStore().budgets = Object.fromEntries((usage.tenants ?? []).filter((t) => t.budget).map((t) => [t.id, { ...t.budget, name: t.name }]));
  } catch {
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const GROUP_LABELS = ['Today', 'Yesterday', 'Previous 7 days', 'Older'];

export function groupByDay(items, now = new Date()) {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const groups = GROUP_LABELS.map((label) => ({ label, items: [] }));
  for (const item of items) {
    const at = Date.parse(item.updatedAt ?? item.createdAt ?? '') || 0;
    let index = 3;
    if (at >= startOfToday) index = 0;
    else if (at >= startOfToday - DAY_MS) index = 1;
    else if (at >= startOfToday - 7 * DAY_MS) index = 2;
    groups[index].items.push(item);
  }
  return groups.filter((group) => group.items.length > 0);
}

export function formatTokens(count) {
  if (count < 1000) return `${count} tokens this month`;
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k tokens this month`;
  return `${(count / 1_000_000).toFixed(1)}M tokens this month`;
}
