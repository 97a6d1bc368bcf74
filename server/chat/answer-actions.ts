import { AppError } from '../errors.js';
import { loadTokenCounter } from '../llm/token-count.js';
import type { ChatModel } from '../llm/types.js';
import { newId } from '../sessions/session-manager.js';
import type { Session } from '../sessions/session.js';
import { titleFromMessage } from '../store/title.js';
import type { ChatDeps } from './chat-deps.js';
import type { MessageFiles } from '../attachments/message-attachments.js';
import { messageFiles } from './message-files.js';
import { buildSystemPrompt } from './system-context.js';
import { turnBudget } from './tenant-actions.js';
import { startTurn } from './turn-runner.js';
import type { RunningTurn } from '../sessions/session.js';

/**
 * The three ways an answer starts: a new message (`send`), the last answer asked again
 * (`regenerate`) and a message replaced (`edit-message`). Each checks the same things first, keeps
 * what it replaces as the earlier branch (a `superseded` fact: the page shows it as an earlier
 * version, the store keeps it, the model no longer sees it), and makes its facts durable before the
 * model is called.
 */

/** What must hold before any answer starts; returns the chat's model. */
function readyToAnswer(ctx: ChatDeps, session: Session, text?: string): ChatModel {
  const { env } = ctx;
  if (ctx.shuttingDown) throw new AppError('SHUTTING_DOWN');
  if (text !== undefined && text.length > env.MAX_MESSAGE_CHARS) throw new AppError('BAD_MESSAGE', `The message is longer than ${env.MAX_MESSAGE_CHARS} characters.`);
  if (session.turn) throw new AppError('TURN_IN_PROGRESS');
  if (!ctx.tenants.isMember(session.owner, session.tenant)) {
    throw new AppError('FORBIDDEN', 'You no longer work for the organisation this chat belongs to.');
  }
  const model = ctx.models.get(session.model);
  if (!model || !ctx.policy.canUseModel(session.who, session.model) || !ctx.models.isAvailable(session.model)) {
    throw new AppError('MODEL_UNAVAILABLE', `${session.model} is not available; choose another model.`);
  }
  return model;
}

/**
 * Runs `work` under one of the person's concurrent-answer places (MAX_CONCURRENT_TURNS_PER_USER,
 * counted across instances when they share Redis). The place is taken before anything awaits, so
 * two sends racing from two chats cannot both pass, and it is held until the answer ends; when no
 * answer starts (a check failed, the chat ended) it is given back at once.
 */
async function underTurnLimit(ctx: ChatDeps, session: Session, work: () => Promise<RunningTurn | undefined>): Promise<void> {
  const lease = await ctx.limits.acquireTurn(session.owner, ctx.env.MAX_CONCURRENT_TURNS_PER_USER, session.id);
  if (!lease) throw new AppError('RATE_LIMITED', 'You already have an answer being generated in another chat.');
  let turn: RunningTurn | undefined;
  try {
    turn = await work();
  } finally {
    if (!turn) lease.release();
  }
  if (!turn) return;
  const release = () => lease.release();
  turn.done.then(release, release);
}

/** Records the person's message (with its files) and puts it in the model's view. */
function recordUserMessage(session: Session, text: string, clientId?: string, attached: MessageFiles = { refs: [], files: [] }): void {
  if (!session.locked) {
    session.locked = true;
    session.record({ kind: 'selection', tools: session.tools, dataSources: session.dataSources, locked: true });
  }
  const id = newId('u');
  session.record({ kind: 'user-message', id, text, at: new Date().toISOString(), ...(clientId ? { clientId } : {}), ...(attached.refs.length ? { attachments: attached.refs } : {}) });
  if (!session.title) {
    // A message of files alone is titled by its first file.
    session.title = titleFromMessage(text.trim() || (attached.refs[0]?.name ?? text));
    session.record({ kind: 'title', title: session.title });
  }
  session.historyAt.set(id, session.history.length);
  session.history.push({ role: 'user', text, ...(attached.files.length ? { files: attached.files } : {}) });
}

/** Starts the model once what came before is durable (nothing completed is lost). */
async function answer(ctx: ChatDeps, session: Session, model: ChatModel, countTokens: Awaited<ReturnType<typeof loadTokenCounter>>): Promise<RunningTurn | undefined> {
  await session.flushRecords();
  if (session.ended || session.turn) return undefined;
  const { env } = ctx;
  return startTurn(session, model, {
    tools: ctx.tools,
    policy: ctx.policy,
    log: ctx.log,
    limits: ctx.models.limitsOf(session.model),
    countTokens,
    redactor: ctx.redactor,
    credentials: ctx.tenants.get(session.tenant)?.credentials ?? {},
    ...(ctx.budgets ? { budget: turnBudget(ctx.budgets, session, ctx.log) } : {}),
    defaultOutputTokens: env.BUDGET_DEFAULT_OUTPUT_TOKENS,
    systemPrompt: buildSystemPrompt(ctx, session),
    settings: {
      thinkingIntervalMs: env.THINKING_INTERVAL_MS,
      turnTimeoutMs: env.TURN_TIMEOUT_MS,
      deltaFlushMs: env.DELTA_FLUSH_MS,
      maxToolRounds: env.MAX_TOOL_ROUNDS,
    },
  });
}

export async function sendMessage(ctx: ChatDeps, session: Session, text: string, clientId?: string, attachmentIds: readonly string[] = []): Promise<void> {
  if (text.trim() === '' && attachmentIds.length === 0) throw new AppError('BAD_MESSAGE', 'The message is empty.');
  const model = readyToAnswer(ctx, session, text);
  await underTurnLimit(ctx, session, async () => {
    const attached = await messageFiles(ctx, session, model, attachmentIds);
    const countTokens = await loadTokenCounter();
    if (session.turn) throw new AppError('TURN_IN_PROGRESS');
    recordUserMessage(session, text, clientId, attached);
    return answer(ctx, session, model, countTokens);
  });
}

/** The current (not superseded) entries of the chat, as the reader sees them. */
function current(session: Session) {
  return session.view.entries.filter((e) => !e.superseded);
}

/** Cuts the model's view back to where this user message began (its own message excluded or kept). */
function cutHistoryAt(session: Session, userMessageId: string, keepMessage: boolean): void {
  const at = session.historyAt.get(userMessageId);
  if (at === undefined) throw new AppError('NOT_FOUND', 'That message can no longer be changed.');
  session.history.length = keepMessage ? at + 1 : at;
  for (const [id, position] of session.historyAt) if (position >= session.history.length) session.historyAt.delete(id);
}

/** `regenerate`: the last answer again, from the same history; the previous one stays as an earlier version. */
export async function regenerate(ctx: ChatDeps, session: Session): Promise<void> {
  const model = readyToAnswer(ctx, session);
  const entries = current(session);
  const lastUser = entries.findLastIndex((e) => e.role === 'user');
  const previous = lastUser >= 0 ? entries[lastUser + 1] : undefined;
  if (!previous || previous.role !== 'assistant') throw new AppError('NOT_FOUND', 'There is no answer to regenerate.');
  await underTurnLimit(ctx, session, async () => {
    const countTokens = await loadTokenCounter();
    if (session.turn) throw new AppError('TURN_IN_PROGRESS');
    cutHistoryAt(session, entries[lastUser]!.id, true);
    session.record({ kind: 'superseded', fromId: previous.id, reason: 'regenerate' });
    return answer(ctx, session, model, countTokens);
  });
}

/** `edit-message`: the person's message replaced, answered again; what followed stays as the earlier branch. */
export async function editMessage(ctx: ChatDeps, session: Session, messageId: string, text: string): Promise<void> {
  const model = readyToAnswer(ctx, session, text);
  const target = current(session).find((e) => e.id === messageId);
  if (!target || target.role !== 'user') throw new AppError('NOT_FOUND', 'No such message of yours in this chat.');
  await underTurnLimit(ctx, session, async () => {
    // The edited message keeps its files, checked again (the chat's model may have changed since).
    const attached = await messageFiles(ctx, session, model, (target.attachments ?? []).map((f) => f.id));
    const countTokens = await loadTokenCounter();
    if (session.turn) throw new AppError('TURN_IN_PROGRESS');
    cutHistoryAt(session, messageId, false);
    session.record({ kind: 'superseded', fromId: messageId, reason: 'edit' });
    recordUserMessage(session, text, undefined, attached);
    return answer(ctx, session, model, countTokens);
  });
}
