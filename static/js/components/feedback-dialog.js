import { chatClient } from '../net/chat-client.js';

/** A native <dialog>: focus and Escape work by themselves. */
export function feedbackDialog() {
  return {
    comment: '',

    get isEmpty() {
      return this.comment.trim() === '';
    },

    open() {
      this.$refs.dialog.showModal();
      this.$refs.text.focus();
    },

    cancel() {
      this.$refs.dialog.close();
    },

    onClose() {
      this.comment = '';
    },

    submit() {
      const comment = this.comment.trim();
      if (!comment) return;
      if (chatClient.sendFeedback({ comment })) this.$refs.dialog.close();
    },
  };
}
