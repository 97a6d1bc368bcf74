import { chatClient } from '../net/chat-client.js';
import { sessionStore, chatStore } from '../state/stores.js';
import { endNote, formatTimestamp } from '../util/format.js';
import { getStream } from '../markdown/streams.js';
import { copyText } from '../util/clipboard.js';

const COPY_FEEDBACK_MS = 1500;

/** One message: the model's label, the end note for incomplete answers, and per-answer feedback. */
export function chatMessage(message) {
  return {
    message,
    commentOpen: false,
    copyLabel: 'Copy answer',
    comment: '',
    editing: false,
    draft: '',

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
    get hasTime() {
      return Boolean(this.message.at);
    },
    /** Shown on hover (title) and read out by screen readers (a visually hidden <time>). */
    get timeTitle() {
      if (!this.message.at) return '';
      const at = new Date(this.message.at);
      return Number.isNaN(at.getTime()) ? '' : `${this.isUser ? 'Sent' : 'Answered'} ${formatTimestamp(at)}`;
    },
    get isSuperseded() {
      return Boolean(this.message.superseded);
    },
    get actionsClass() {
      return this.message.done ? '' : 'is-pending';
    },
    /** The newest current answer: the one "Regenerate" asks again (once nothing is running). */
    get isNewestAnswer() {
      if (this.isSuperseded || !this.message.id) return false;
      // From the end: every answer asks when a turn ends, so a whole-list pass each would be O(n²).
      const messages = chatStore().messages;
      for (let index = messages.length - 1; index >= 0; index--) {
        const candidate = messages[index];
        if (candidate.role === 'assistant' && !candidate.superseded) return candidate === this.message;
      }
      return false;
    },
    get canRegenerate() {
      return this.isNewestAnswer && this.message.done && !chatStore().busy;
    },
    get canEdit() {
      return this.isUser && !this.isSuperseded && !this.message.pending && Boolean(this.message.id) && !chatStore().busy && sessionStore().ready;
    },
    get editId() {
      return `edit-${this.message.key}`;
    },
    get isDraftEmpty() {
      return this.draft.trim() === '';
    },
    regenerate() {
      chatClient.regenerate();
    },
    startEdit() {
      this.draft = this.message.text;
      this.editing = true;
      this.$nextTick(() => this.$refs.editor?.focus());
    },
    cancelEdit() {
      this.editing = false;
    },
    resend() {
      const text = this.draft.trim();
      if (!text) return;
      if (chatClient.editMessage(this.message.id, text)) this.editing = false;
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

    /** The answer's markdown as the model wrote it, its text parts joined in order. */
    answerMarkdown() {
      return this.message.parts
        .filter((part) => part.kind === 'text')
        .map((part) => getStream(part.key)?.text ?? '')
        .filter((text) => text.trim() !== '')
        .join('\n\n');
    },

    async copyAnswer() {
      const copied = await copyText(this.answerMarkdown());
      this.copyLabel = copied ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        this.copyLabel = 'Copy answer';
      }, COPY_FEEDBACK_MS);
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
