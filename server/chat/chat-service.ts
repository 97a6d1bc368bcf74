import { AppError, toAppError } from '../errors.js';
import { clientMessage, type ClientMessage, type FeedbackMessage } from '../protocol/client-messages.js';
import { CLOSE_CODES } from '../protocol/server-events.js';
import type { Session } from '../sessions/session.js';
import type { ChatDeps } from './chat-deps.js';
import type { ConnectionState } from './connection-state.js';
import { createSession, handleHello, join, openChat } from './hello.js';
import { selectTenant } from './tenant-actions.js';
import { editMessage, regenerate, sendMessage } from './answer-actions.js';
import { TurnEnded } from './turn-end.js';

/**
 * Handles every inbound frame of every connection. One bad frame gets an `error` event and the
 * connection lives; repeated violations (garbage, flooding) close it with 1008. Frames are checked
 * at once and then handled in order through the connection's serial queue, so a handler may await
 * (opening a stored chat) without a later frame overtaking it. Nothing thrown here reaches uWS.
 */
export class ChatService {
  constructor(private readonly ctx: ChatDeps) {}

  handleFrame(state: ConnectionState, raw: string, isBinary: boolean): void {
    const verdict = this.ctx.limits.takeMessage(state.conn.user);
    if (!(verdict instanceof Promise)) {
      if (!verdict.allowed) return this.rateLimited(state);
      const msg = this.accept(state, raw, isBinary);
      if (msg) void state.queue.push(() => this.handle(state, msg));
      return;
    }
    // Limits shared between instances answer later: the frame waits in the queue for its verdict,
    // so it is still checked and handled in arrival order.
    void state.queue.push(async () => {
      const shared = await verdict;
      if (state.conn.closed) return;
      if (!shared.allowed) return this.rateLimited(state);
      const msg = this.accept(state, raw, isBinary);
      if (msg) await this.handle(state, msg);
    });
  }

  /** The frame's checks before it is handled: the parsed message, or undefined once it was rejected. */
  private accept(state: ConnectionState, raw: string, isBinary: boolean): ClientMessage | undefined {
    if (isBinary) return void this.reject(state, new AppError('BAD_MESSAGE', 'Binary frames are not accepted; send JSON text.'));
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return void this.reject(state, new AppError('BAD_MESSAGE', 'The frame is not valid JSON.'));
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      return void this.reject(state, new AppError('BAD_MESSAGE', `The message is not valid${where}: ${issue?.message ?? 'unknown shape'}.`));
    }
    const msg = parsed.data;
    if (!state.greeted && msg.type !== 'hello') return void this.reject(state, new AppError('HELLO_REQUIRED'));
    if (state.greeted && msg.type === 'hello') return void this.reject(state, new AppError('BAD_MESSAGE', 'hello was already received.'));
    if (msg.type === 'hello') state.greeted = true;
    return msg;
  }

  private async handle(state: ConnectionState, msg: ClientMessage): Promise<void> {
    try {
      await this.dispatch(state, msg);
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'INTERNAL') state.conn.log.error({ err }, 'message handler failed');
      state.sendDirect({ type: 'error', ...appErr.toEvent() });
    }
  }

  private async dispatch(state: ConnectionState, msg: ClientMessage): Promise<void> {
    if (state.conn.closed) return;
    if (msg.type === 'hello') return handleHello(this.ctx, state, msg);
    if (state.session?.handingOver && msg.type !== 'stop') await state.session.handingOver;
    const session = state.session;
    if (!session || session.ended) throw new AppError('NOT_FOUND', 'This chat has ended; start a new one.');
    switch (msg.type) {
      case 'select-model':
        return this.selectModel(session, msg.model);
      case 'select-tools':
        return this.selectTools(session, msg.tools, msg.dataSources);
      case 'select-tenant':
        return selectTenant(this.ctx, state, session, msg.tenant);
      case 'send':
        return sendMessage(this.ctx, session, msg.text, msg.clientId, msg.attachments ?? []);
      case 'regenerate':
        return regenerate(this.ctx, session);
      case 'edit-message':
        return editMessage(this.ctx, session, msg.messageId, msg.text);
      case 'open-chat':
        return openChat(this.ctx, state, session, msg.conversationId);
      case 'stop':
        return this.stop(session);
      case 'new-chat':
        return this.newChat(state, session);
      case 'feedback':
        return this.feedback(session, msg);
    }
  }

  /** The socket closed. A running turn gets the resume grace period (SessionManager.detached). */
  disconnected(state: ConnectionState): void {
    clearTimeout(state.helloTimer);
    this.ctx.sessions.releaseLive(state.conn);
    if (state.greeted) void this.ctx.presence.release(state.conn.user, state.conn.id).catch((err: unknown) => state.conn.log.warn({ err }, 'presence release failed'));
    const session = state.session;
    if (session && session.detach(state.conn)) this.ctx.sessions.detached(session);
  }

  private selectModel(session: Session, model: string): void {
    if (session.turn) throw new AppError('TURN_IN_PROGRESS', 'Wait for the answer to finish (or stop it) before switching models.');
    if (!this.ctx.models.get(model) || !this.ctx.policy.canUseModel(session.who, model)) {
      throw new AppError('MODEL_UNAVAILABLE', `No model named "${model.slice(0, 100)}" is available to you.`);
    }
    if (!this.ctx.models.isAvailable(model)) throw new AppError('MODEL_UNAVAILABLE', `${model} is not available right now.`);
    session.model = model;
    session.record({ kind: 'model-selected', model });
  }

  private selectTools(session: Session, tools: string[], dataSources: string[]): void {
    if (session.locked) throw new AppError('SELECTION_LOCKED');
    const who = session.who;
    const badTool = tools.find((t) => !this.ctx.tools.has(t, who.tenant) || !this.ctx.policy.canUseTool(who, t));
    if (badTool !== undefined) throw new AppError('FORBIDDEN', `The tool "${badTool.slice(0, 100)}" is not available to you.`);
    const badSource = dataSources.find((d) => !this.ctx.catalog.has(d) || !this.ctx.policy.canUseDataSource(who, d));
    if (badSource !== undefined) throw new AppError('FORBIDDEN', `The data source "${badSource.slice(0, 100)}" is not available to you.`);
    session.tools = [...new Set(tools)];
    session.dataSources = [...new Set(dataSources)];
    session.record({ kind: 'selection', tools: session.tools, dataSources: session.dataSources, locked: false });
  }

  private stop(session: Session): void {
    if (!session.turn) return;
    session.record({ kind: 'stop', messageId: session.turn.messageId });
    session.turn.controller.abort(new TurnEnded('stopped'));
  }

  /**
   * A fresh chat. The old one is ended (it stays in the store and can be reopened); with history on,
   * an answer it is still writing finishes and is saved first instead of being cut off.
   */
  private newChat(state: ConnectionState, old: Session): void {
    old.detach(state.conn);
    const fresh = createSession(this.ctx, state.principal, { model: old.model, tenant: old.tenant });
    join(this.ctx, state, fresh, 0, false);
    // Not awaited: this connection's next frames belong to the new chat and must not wait for the old.
    const finishing = this.ctx.archive && old.turn ? old.turn.done.catch(() => undefined) : Promise.resolve();
    void finishing.then(() => this.ctx.sessions.end(old, 'new-chat'));
  }

  private feedback(session: Session, msg: FeedbackMessage): void {
    if (msg.rating === undefined && !msg.comment?.trim()) throw new AppError('BAD_MESSAGE', 'Feedback needs a rating or a comment.');
    if (msg.messageId !== undefined) {
      const entry = session.view.entries.find((e) => e.id === msg.messageId && e.role === 'assistant');
      if (!entry) throw new AppError('NOT_FOUND', 'No such answer in this chat.');
    }
    session.record({
      kind: 'feedback',
      ...(msg.messageId !== undefined ? { messageId: msg.messageId } : {}),
      ...(msg.rating !== undefined ? { rating: msg.rating } : {}),
      ...(msg.comment !== undefined ? { comment: msg.comment } : {}),
    });
  }

  private reject(state: ConnectionState, err: AppError): void {
    state.violations += 1;
    state.sendDirect({ type: 'error', ...err.toEvent() });
    if (state.violations >= this.ctx.env.MAX_BAD_FRAMES) {
      state.conn.log.warn({ violations: state.violations }, 'closing abusive connection');
      state.conn.close(CLOSE_CODES.POLICY_VIOLATION, 'too many invalid messages');
    }
  }

  private rateLimited(state: ConnectionState): void {
    state.violations += 1;
    const now = Date.now();
    // One notice per second at most: answering every flooded frame would amplify the flood.
    if (now - state.lastRateLimitNotice >= 1000) {
      state.lastRateLimitNotice = now;
      state.sendDirect({ type: 'error', ...new AppError('RATE_LIMITED').toEvent() });
    }
    if (state.violations >= this.ctx.env.MAX_BAD_FRAMES) {
      state.conn.log.warn('closing flooding connection');
      state.conn.close(CLOSE_CODES.POLICY_VIOLATION, 'message rate exceeded');
    }
  }
}
