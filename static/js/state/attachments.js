import { Alpine } from '/static/vendor.js';
import { uploadAttachment } from '../net/attachments.js';
import { chatStore, sessionStore } from './stores.js';
import { showToast } from './toasts.js';

/** Each file uploads as soon as it is chosen; Send waits for every upload. */

let nextKey = 1;

export function registerAttachmentStore() {
  Alpine.store('attachments', {
    pending: [],
    /** null when the server keeps no files. */
    limits: null,
  });
}

export const attachmentStore = () => Alpine.store('attachments');

/** The same wording as the server's messages. */
export function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export function attachFiles(files) {
  const store = attachmentStore();
  const limits = store.limits;
  if (!limits) {
    showToast('Files cannot be attached on this server.', 'error');
    return;
  }
  for (const file of Array.from(files)) {
    if (store.pending.length >= limits.maxFiles) {
      showToast(`A message may carry at most ${limits.maxFiles} files.`, 'error');
      return;
    }
    if (file.size > limits.maxBytes) {
      showToast(`${file.name} is larger than ${formatSize(limits.maxBytes)}, the most one file may be.`, 'error');
      continue;
    }
    store.pending.push({ key: `f${nextKey++}`, name: file.name || 'pasted file', size: file.size, uploading: true, ref: null });
    const entry = store.pending[store.pending.length - 1];
    uploadAttachment(file, sessionStore().sessionId).then(
      (ref) => {
        entry.ref = ref;
        entry.uploading = false;
      },
      (err) => {
        removePending(entry.key);
        showToast(err.message, 'error');
      },
    );
  }
}

export function removePending(key) {
  const store = attachmentStore();
  store.pending = store.pending.filter((file) => file.key !== key);
}

export function takeUploaded() {
  const store = attachmentStore();
  const refs = store.pending.filter((file) => file.ref).map((file) => file.ref);
  store.pending = [];
  return refs;
}

const FILE_REFUSALS = new Set(['IMAGES_UNSUPPORTED', 'NOT_FOUND', 'BAD_MESSAGE']);

/** Refused because of its files, the message was never sent: its files and text return to the composer. */
export function takeBackRefusedSend(code) {
  if (!FILE_REFUSALS.has(code)) return;
  const messages = chatStore().messages;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user' || !last.pending || !last.attachments?.length) return;
  messages.pop();
  attachmentStore().pending = last.attachments.map((ref) => ({ key: `f${nextKey++}`, name: ref.name, size: ref.size, uploading: false, ref }));
  window.dispatchEvent(new CustomEvent('galaxy-restore-draft', { detail: last.text }));
}

export const uploadsRunning = () => attachmentStore().pending.some((file) => file.uploading);
export const hasPendingFiles = () => attachmentStore().pending.length > 0;
