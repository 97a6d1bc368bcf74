import { attachmentStore, formatSize, removePending } from '../state/attachments.js';

/**
 * Files shown as chips: on a sent message (`attachmentChips(message)`) and in the composer
 * (`attachmentTray`). Names are shown with x-text, i.e. as text: nothing in a file name or a file
 * can become markup, and no file is ever rendered (an SVG or HTML file is just a name here). A sent
 * file's chip is a link that downloads it.
 */
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
    /** The owner-only download (docs/api.md); the server makes it a file to save, never a page. */
    downloadUrl(file) {
      return `/api/attachments/${encodeURIComponent(file.id)}`;
    },
    /** Starts with the visible label's words, so the link can be named by what is on screen. */
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
