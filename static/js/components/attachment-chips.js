import { attachmentStore, formatSize, removePending } from '../state/attachments.js';

/** Names go in as text (x-text) and no file is ever rendered: an SVG or HTML file is just a name here. */
export function attachmentChips(message) {
  return {
    get files() {
      return message.attachments ?? [];
    },
    get hasFiles() {
      return this.files.length > 0;
    },
    chipLabel(file) {
      return `${file.name} · ${formatSize(file.size)}`;
    },
    downloadUrl(file) {
      return `/api/attachments/${encodeURIComponent(file.id)}`;
    },
    /** Starts with the visible label's words, so the link is named by what is on screen. */
    downloadLabel(file) {
      return `Download ${this.chipLabel(file)}`;
    },
  };
}

export function attachmentTray() {
  return {
    get files() {
      return attachmentStore().pending;
    },
    get hasFiles() {
      return this.files.length > 0;
    },
    chipLabel(file) {
      return file.uploading ? `${file.name} · uploading…` : `${file.name} · ${formatSize(file.size)}`;
    },
    removeLabel(file) {
      return `Remove ${file.name}`;
    },
    remove(file) {
      removePending(file.key);
    },
  };
}
