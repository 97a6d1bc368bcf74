import { chatClient } from '../net/chat-client.js';
import { sessionStore, chatStore } from '../state/stores.js';
import { endNote } from '../util/format.js';

/** One message: the model's label, the end note for incomplete answers, and per-answer feedback. */
export function chatMessage(message) {
  return {
    message,
    commentOpen: false,
    comment: '',

    get isUser() {
      return this.message.role === 'user';
    },
    get isAssistant() {
      return this.message.role === 'assistant';
    },
    get modelLabel() {
      const name = this.message.model;
      if (!name) return '';
      const model = sessionStore().models.find((candidate) => candidate.name === name);
      if (!model) return name;
      return model.demo && !/\bdemo\b/i.test(model.label) ? `${model.label} (demo)` : model.label;
    },
    /** Three dots while the answer has started but no text or tool has arrived yet. */
    get isWaitingForText() {
      return !this.message.done && this.message.parts.length === 0 && chatStore().busy;
    },
    get showEndNote() {
      return this.message.done && (this.message.incomplete || Boolean(this.message.error));
    },
    get endNoteText() {
      return endNote(this.message);
    },
    get commentId() {
      return `comment-${this.message.key}`;
    },
    get isCommentEmpty() {
      return this.comment.trim() === '';
    },

    isText(part) {
      return part.kind === 'text';
    },
    isTool(part) {
      return part.kind === 'tool';
    },
    isRated(rating) {
      return this.message.rating === rating;
    },

    rate(rating) {
      if (!this.message.id) return;
      if (chatClient.sendFeedback({ messageId: this.message.id, rating })) {
        this.message.rating = rating;
        this.commentOpen = true;
      }
    },

    submitComment() {
      const comment = this.comment.trim();
      if (!comment || !this.message.id) return;
      const feedback = { messageId: this.message.id, comment };
      if (this.message.rating) feedback.rating = this.message.rating;
      if (chatClient.sendFeedback(feedback)) {
        this.comment = '';
        this.commentOpen = false;
      }
    },
  };
}
