import { toastStore } from './stores.js';

const LIFETIME_MS = { info: 5_000, success: 4_000, error: 9_000 };
const MAX_VISIBLE = 4;
let nextToastId = 1;

export function showToast(text, kind = 'info') {
  const store = toastStore();
  const toast = { id: nextToastId++, text, kind };
  store.items.push(toast);
  if (store.items.length > MAX_VISIBLE) store.items.splice(0, store.items.length - MAX_VISIBLE);
  setTimeout(() => dismissToast(toast.id), LIFETIME_MS[kind] ?? LIFETIME_MS.info);
}

export function dismissToast(id) {
  const store = toastStore();
  const index = store.items.findIndex((toast) => toast.id === id);
  if (index !== -1) store.items.splice(index, 1);
}
