import { z } from 'zod';

/**
 * Everything a client may send, as one discriminated union on `type`. No message can name a user:
 * identity is bound at upgrade time. Ids a client sends are checked for ownership by the handler.
 * Documented frame by frame in docs/protocol.md.
 */

export const PROTOCOL_VERSION = 1;

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be an id');
const name = z.string().min(1).max(200);

export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  v: z.number().int(),
  /** Resume this session (must be the user's). Without it, the user's live session is joined or a new one starts. */
  sessionId: id.optional(),
  /** The last sequence number this client saw; every later event is replayed exactly once. */
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const selectModelMessage = z.strictObject({ type: z.literal('select-model'), model: name });

export const sendMessage = z.strictObject({
  type: z.literal('send'),
  /** May be empty only when files are attached. */
  text: z.string(),
  /** Ids from `POST /api/attachments` for this chat (docs/api.md); checked for ownership on every send. */
  attachments: z.array(id).max(50).optional(),
  /** Optional client-chosen id, echoed on the `user-message` event so the page can match its optimistic copy. */
  clientId: id.optional(),
});

export const stopMessage = z.strictObject({ type: z.literal('stop') });

export const newChatMessage = z.strictObject({ type: z.literal('new-chat') });

/** Opens one of the user's earlier chats (live or stored) and continues it. */
export const openChatMessage = z.strictObject({ type: z.literal('open-chat'), conversationId: id });

export const feedbackMessage = z.strictObject({
  type: z.literal('feedback'),
  /** The assistant message rated; omitted for feedback on the experience as a whole. */
  messageId: id.optional(),
  rating: z.enum(['good', 'bad']).optional(),
  comment: z.string().max(4000).optional(),
});

export const selectToolsMessage = z.strictObject({
  type: z.literal('select-tools'),
  tools: z.array(name).max(50),
  dataSources: z.array(name).max(50),
});

/** Chooses which of the person's tenants this chat works for; only before its first message. */
export const selectTenantMessage = z.strictObject({ type: z.literal('select-tenant'), tenant: name });

/** Asks the model again for the last answer; the previous one stays as an earlier version. */
export const regenerateMessage = z.strictObject({ type: z.literal('regenerate') });

/** Replaces one of the person's messages and answers again from there; what followed stays as the earlier branch. */
export const editMessage = z.strictObject({ type: z.literal('edit-message'), messageId: id, text: z.string().min(1) });

export const clientMessage = z.discriminatedUnion('type', [
  helloMessage,
  selectModelMessage,
  sendMessage,
  stopMessage,
  newChatMessage,
  openChatMessage,
  feedbackMessage,
  selectToolsMessage,
  selectTenantMessage,
  regenerateMessage,
  editMessage,
]);

export type ClientMessage = z.infer<typeof clientMessage>;
export type HelloMessage = z.infer<typeof helloMessage>;
export type FeedbackMessage = z.infer<typeof feedbackMessage>;
