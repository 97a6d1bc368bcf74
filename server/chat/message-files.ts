import { AppError } from '../errors.js';
import type { MessageFiles } from '../attachments/message-attachments.js';
import type { ChatModel } from '../llm/types.js';
import type { Session } from '../sessions/session.js';
import type { ChatDeps } from './chat-deps.js';

/** The files a `send` names, checked against this chat, its owner and the chosen model. */
export async function messageFiles(ctx: ChatDeps, session: Session, model: ChatModel, ids: readonly string[]): Promise<MessageFiles> {
  if (ids.length === 0) return { refs: [], files: [] };
  if (!ctx.attachments) throw new AppError('BAD_MESSAGE', 'Files cannot be attached on this server: they are kept with chat history, which is turned off.');
  return ctx.attachments.forMessage({
    conversationId: session.id,
    owner: session.owner,
    ids,
    acceptsImages: ctx.models.limitsOf(session.model).acceptsImages === true,
    modelLabel: model.label,
  });
}
