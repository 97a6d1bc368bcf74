import { chatClient } from '../net/chat-client.js';
import { attachFiles, hasPendingFiles, takeUploaded, uploadsRunning } from '../state/attachments.js';
import { chatStore, sessionStore } from '../state/stores.js';

const MAX_HEIGHT_SHARE = 0.4;
const growsNatively = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');
/** A touch keyboard's Enter is a newline: it taps Send. */
const isTouchScreen = () => window.matchMedia('(pointer: coarse)').matches;

export function composer() {
  return {
    draft: '',

    get maxChars() {
      return sessionStore().maxMessageChars;
    },
    get placeholder() {
      return isTouchScreen() ? 'Ask anything, then tap Send' : 'Ask anything — Enter to send, Shift+Enter for a new line';
    },
    get showSend() {
      return !chatStore().busy;
    },
    get cannotSend() {
      if (sessionStore().connection !== 'open' || chatStore().busy || uploadsRunning()) return true;
      return this.draft.trim() === '' && !hasPendingFiles();
    },

    init() {
      // On a touch screen focusing would throw the keyboard up unasked.
      if (window.matchMedia('(pointer: fine)').matches) this.$refs.input.focus();
    },

    onEnter(event) {
      if (event.shiftKey || event.isComposing || event.keyCode === 229 || isTouchScreen()) return;
      event.preventDefault();
      this.submit();
    },

    submit() {
      if (this.cannotSend) return;
      if (chatClient.sendText(this.draft.trim(), takeUploaded())) {
        this.draft = '';
        this.$nextTick(() => this.autosize());
      }
    },

    restoreDraft(event) {
      if (this.draft.trim() === '') this.draft = event.detail;
    },

    chooseFiles() {
      this.$refs.fileInput.click();
    },

    onFilesChosen(event) {
      attachFiles(event.target.files);
      event.target.value = '';
    },

    onDragOver(event) {
      if (event.dataTransfer?.types?.includes('Files')) event.preventDefault();
    },

    onDrop(event) {
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      attachFiles(event.dataTransfer.files);
    },

    onPaste(event) {
      const files = event.clipboardData?.files;
      if (!files?.length) return;
      event.preventDefault();
      attachFiles(files);
    },

    stop() {
      chatClient.stop();
    },

    autosize() {
      if (growsNatively) return;
      const input = this.$refs.input;
      input.style.height = 'auto';
      input.style.height = `${Math.min(input.scrollHeight, window.innerHeight * MAX_HEIGHT_SHARE)}px`;
    },
  };
}
