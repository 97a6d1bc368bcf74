import { chatClient } from '../net/chat-client.js';

/** The general "Send feedback" dialog: a native <dialog>, so focus and Escape work by themselves. */
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
