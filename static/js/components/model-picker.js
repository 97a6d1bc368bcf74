import { chatClient } from '../net/chat-client.js';
import { sessionStore } from '../state/stores.js';

export function modelPicker() {
  return {
    get isDisabled() {
      return sessionStore().connection !== 'open' || sessionStore().models.length === 0;
    },

    isCurrent(model) {
      return model.name === sessionStore().model;
    },

    optionLabel(model) {
      let label = model.label || model.name;
      if (model.demo && !/\bdemo\b/i.test(label)) label += ' (demo)';
      if (!model.available) label += ' — unavailable';
      return label;
    },

    get unavailableText() {
      const current = sessionStore().currentModel;
      if (!current || current.available) return '';
      return `${current.label || current.name} is unavailable. Choose another model.`;
    },

    choose(event) {
      const name = event.target.value;
      // The box follows the server: it changes when `model-selected` confirms, and stays if refused.
      event.target.value = sessionStore().model;
      if (name && name !== sessionStore().model) chatClient.selectModel(name);
    },
  };
}
