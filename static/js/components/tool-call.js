import { previewText } from '../util/format.js';

const STATE_LABELS = {
  running: 'running…',
  done: 'done',
  error: 'failed',
  interrupted: 'interrupted',
};

export function toolCall(part) {
  return {
    part,

    get argsPreview() {
      return previewText(this.part.argsText);
    },
    get stateLabel() {
      return STATE_LABELS[this.part.state] ?? this.part.state;
    },
    get hasResult() {
      return this.part.state === 'done' && this.part.content !== '';
    },
    get hasError() {
      return this.part.state === 'error';
    },
    get errorText() {
      return this.part.errorCode ? `${this.part.errorCode}: ${this.part.errorMessage}` : this.part.errorMessage;
    },
    get hasUi() {
      return this.part.state === 'done' && Boolean(this.part.ui);
    },
  };
}
