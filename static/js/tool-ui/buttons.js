import { chatClient } from '../net/chat-client.js';
import { chatStore } from '../state/stores.js';
import { element } from '../util/dom.js';

export function renderButtons(host, ui, signal) {
  const group = element('div', { className: 'quick-replies', attrs: { role: 'group', 'aria-label': 'Suggested replies' } });
  for (const { label, message } of ui.buttons) {
    const button = element('button', { className: 'button', text: label, attrs: { type: 'button', title: message } });
    button.addEventListener(
      'click',
      () => {
        if (chatStore().busy) return;
        chatClient.sendText(message);
      },
      { signal },
    );
    group.append(button);
  }
  host.append(group);
}
