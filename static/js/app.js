import { Alpine } from '/static/vendor.js';
import { registerStores } from './state/stores.js';
import { registerConversationStore } from './state/conversations.js';
import { registerEarlierStore } from './state/earlier-messages.js';
import { registerAttachmentStore } from './state/attachments.js';
import { attachmentChips, attachmentTray } from './components/attachment-chips.js';
import { chatClient } from './net/chat-client.js';
import { appShell } from './components/app-shell.js';
import { chatMessage } from './components/chat-message.js';
import { composer } from './components/composer.js';
import { conversation } from './components/conversation.js';
import { feedbackDialog } from './components/feedback-dialog.js';
import { markdownPart } from './components/markdown-part.js';
import { modelPicker } from './components/model-picker.js';
import { toasts } from './components/toasts.js';
import { toolCall } from './components/tool-call.js';
import { toolPicker } from './components/tool-picker.js';
import { toolUi } from './components/tool-ui.js';
import { chatSidebar } from './components/chat-sidebar.js';
import { chatsMenu } from './components/chats-menu.js';
import { usageMeter } from './components/usage-meter.js';
import { tenantPicker } from './components/tenant-picker.js';
import { showEarlier } from './components/show-earlier.js';
import { chatNotice } from './components/chat-notice.js';
import { warmUpRendererWhenIdle } from './markdown/warm-up.js';

/** The socket opens before Alpine renders. */

registerStores();
registerConversationStore();
registerEarlierStore();
registerAttachmentStore();
chatClient.start();

const components = {
  appShell,
  chatMessage,
  composer,
  conversation,
  feedbackDialog,
  markdownPart,
  modelPicker,
  toasts,
  toolCall,
  toolPicker,
  toolUi,
  chatSidebar,
  chatsMenu,
  usageMeter,
  tenantPicker,
  showEarlier,
  chatNotice,
  attachmentChips,
  attachmentTray,
};
for (const [name, factory] of Object.entries(components)) Alpine.data(name, factory);

Alpine.start();
warmUpRendererWhenIdle();
