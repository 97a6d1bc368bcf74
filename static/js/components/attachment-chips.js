import { attachmentStore, formatSize, removePending } from '../state/attachments.js';

/**
 * Files shown as chips: on a sent message (`attachmentChips(message)`) and in the composer
 * (`attachmentTray`). Names are shown with x-text, i.e. as text: nothing in a file name or a file
 * can become markup, and no file is ever rendered (an SVG or HTML file is just a name here).
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
