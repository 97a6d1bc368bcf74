import type { AppContext } from '../app-context.js';
import { AppError, toAppError } from '../errors.js';
import { clientMessage, type ClientMessage, type FeedbackMessage } from '../protocol/client-messages.js';
import { CLOSE_CODES } from '../protocol/server-events.js';
import { newId } from '../sessions/session-manager.js';
import type { Session } from '../sessions/session.js';
import type { ConnectionState } from './connection-state.js';
import { createSession, handleHello, join } from './hello.js';
import { buildSystemPrompt } from './system-context.js';
import { StopRequested, startTurn } from './turn-runner.js';

/**
 * Handles every inbound frame of every connection. One bad frame gets an `error` event and the
 * connection lives; repeated violations (garbage, flooding) close it with 1008. Nothing thrown
 * here can reach uWS: the router calls `handleFrame` inside its own catch as well.
 */
export class ChatService {
  constructor(private readonly ctx: AppContext) {}

  handleFrame(state: ConnectionState, raw: string, isBinary: boolean): void {
    if (!state.bucket.take()) return this.rateLimited(state);
    if (isBinary) return this.reject(state, new AppError('BAD_MESSAGE', 'Binary frames are not accepted; send JSON text.'));
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.reject(state, new AppError('BAD_MESSAGE', 'The frame is not valid JSON.'));
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      return this.reject(state, new AppError('BAD_MESSAGE', `The message is not valid${where}: ${issue?.message ?? 'unknown shape'}.`));
    }
    const msg = parsed.data;
    if (!state.greeted && msg.type !== 'hello') return this.reject(state, new AppError('HELLO_REQUIRED'));
    if (state.greeted && msg.type === 'hello') return this.reject(state, new AppError('BAD_MESSAGE', 'hello was already received.'));
    try {
      this.dispatch(state, msg);
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'INTERNAL') state.conn.log.error({ err }, 'message handler failed');
      state.sendDirect({ type: 'error', ...appErr.toEvent() });
    }
  }

  private dispatch(state: ConnectionState, msg: ClientMessage): void {
    if (msg.type === 'hello') return handleHello(this.ctx, state, msg);
    const session = state.session;
    if (!session || session.ended) throw new AppError('NOT_FOUND', 'This chat has ended; start a new one.');
    switch (msg.type) {
      case 'select-model':
        return this.selectModel(session, msg.model);
      case 'select-tools':
        return this.selectTools(session, msg.tools, msg.dataSources);
      case 'send':
        return this.send(session, msg.text, msg.clientId);
      case 'stop':
        return this.stop(session);
      case 'new-chat':
        return void this.newChat(state, session);
      case 'feedback':
        return this.feedback(session, msg);
    }
  }

  /** The socket closed. A running turn gets the resume grace period (SessionManager.detached). */
  disconnected(state: ConnectionState): void {
    clearTimeout(state.helloTimer);
    this.ctx.sessions.releaseLive(state.conn);
    const session = state.session;
    if (session && session.detach(state.conn)) this.ctx.sessions.detached(session);
  }

  private selectModel(session: Session, model: string): void {
    if (session.turn) throw new AppError('TURN_IN_PROGRESS', 'Wait for the answer to finish (or stop it) before switching models.');
    if (!this.ctx.models.get(model) || !this.ctx.policy.canUseModel(session.owner, model)) {
      throw new AppError('MODEL_UNAVAILABLE', `No model named "${model.slice(0, 100)}" is available to you.`);
    }
    if (!this.ctx.models.isAvailable(model)) throw new AppError('MODEL_UNAVAILABLE', `${model} is not available right now.`);
    session.model = model;
    session.emit({ type: 'model-selected', model });
    session.transcript.write('model-selected', { model });
  }

  private selectTools(session: Session, tools: string[], dataSources: string[]): void {
    if (session.locked) throw new AppError('SELECTION_LOCKED');
    const user = session.owner;
    const badTool = tools.find((t) => !this.ctx.tools.has(t) || !this.ctx.policy.canUseTool(user, t));
    if (badTool !== undefined) throw new AppError('FORBIDDEN', `The tool "${badTool.slice(0, 100)}" is not available to you.`);
    const badSource = dataSources.find((d) => !this.ctx.catalog.has(d) || !this.ctx.policy.canUseDataSource(user, d));
    if (badSource !== undefined) throw new AppError('FORBIDDEN', `The data source "${badSource.slice(0, 100)}" is not available to you.`);
    session.tools = [...new Set(tools)];
    session.dataSources = [...new Set(dataSources)];
    session.emit({ type: 'selection', tools: session.tools, dataSources: session.dataSources, locked: false });
    session.transcript.write('selection', { tools: session.tools, dataSources: session.dataSources, locked: false });
  }

  private send(session: Session, text: string, clientId?: string): void {
    const { env } = this.ctx;
    if (this.ctx.shuttingDown) throw new AppError('SHUTTING_DOWN');
    if (text.length > env.MAX_MESSAGE_CHARS) throw new AppError('BAD_MESSAGE', `The message is longer than ${env.MAX_MESSAGE_CHARS} characters.`);
    if (session.turn) throw new AppError('TURN_IN_PROGRESS');
    if (this.ctx.sessions.runningTurns(session.owner) >= env.MAX_CONCURRENT_TURNS_PER_USER) {
      throw new AppError('RATE_LIMITED', 'You already have an answer being generated in another chat.');
    }
    const model = this.ctx.models.get(session.model);
    if (!model || !this.ctx.policy.canUseModel(session.owner, session.model) || !this.ctx.models.isAvailable(session.model)) {
      throw new AppError('MODEL_UNAVAILABLE', `${session.model} is not available; choose another model.`);
    }
    if (!session.locked) {
      session.locked = true;
      session.emit({ type: 'selection', tools: session.tools, dataSources: session.dataSources, locked: true });
      session.transcript.write('selection', { tools: session.tools, dataSources: session.dataSources, locked: true });
    }
    const id = newId('u');
    const at = new Date().toISOString();
    session.emit({ type: 'user-message', id, text, at, ...(clientId ? { clientId } : {}) });
    session.transcript.write('user-message', { messageId: id, text });
    session.history.push({ role: 'user', content: text });
    startTurn(session, model, {
      tools: this.ctx.tools,
      policy: this.ctx.policy,
      log: this.ctx.log,
      redactor: this.ctx.redactor,
      systemPrompt: buildSystemPrompt(this.ctx, session),
      settings: {
        thinkingIntervalMs: env.THINKING_INTERVAL_MS,
        turnTimeoutMs: env.TURN_TIMEOUT_MS,
        deltaFlushMs: env.DELTA_FLUSH_MS,
        maxToolRounds: env.MAX_TOOL_ROUNDS,
      },
    });
  }

  private stop(session: Session): void {
    if (!session.turn) return;
    session.transcript.write('stop', { messageId: session.turn.messageId });
    session.turn.controller.abort(new StopRequested());
  }

  private async newChat(state: ConnectionState, old: Session): Promise<void> {
    old.detach(state.conn);
    const fresh = createSession(this.ctx, state.conn.user, old.model);
    join(this.ctx, state, fresh, 0, false);
    await this.ctx.sessions.end(old, 'new-chat');
  }

  private feedback(session: Session, msg: FeedbackMessage): void {
    if (msg.rating === undefined && !msg.comment?.trim()) throw new AppError('BAD_MESSAGE', 'Feedback needs a rating or a comment.');
    if (msg.messageId !== undefined) {
      const entry = session.view.entries.find((e) => e.id === msg.messageId && e.role === 'assistant');
      if (!entry) throw new AppError('NOT_FOUND', 'No such answer in this chat.');
    }
    session.transcript.write('feedback', { messageId: msg.messageId, rating: msg.rating, comment: msg.comment });
    session.emit(msg.messageId ? { type: 'feedback-saved', messageId: msg.messageId } : { type: 'feedback-saved' });
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
