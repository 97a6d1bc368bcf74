import type { ServerEventBody } from '../protocol/server-events.js';
import { CLOSE_CODES } from '../protocol/server-events.js';
import type { ChatOwner, SharedReader } from '../scale/session-exchange.js';
import type { RunningTurn, Session } from '../sessions/session.js';
import type { ChatDeps } from './chat-deps.js';
import { restoreStored } from './conversation-archive.js';
import { TurnEnded } from './turn-end.js';

/** How long one read of the shared log waits before checking that the owner is still alive. */
const READ_WAIT_MS = 1000;
const OWNER_POLL_MS = 200;

export const INTERRUPTED_NOTICE = 'The server that was writing this answer stopped. What it had written is kept, marked incomplete; you can ask again.';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Waits (bounded by the owner key's lifetime) until no other instance owns the chat. */
export async function ownerGone(ctx: ChatDeps, sessionId: string, owner: ChatOwner, boundMs: number): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    const now = await ctx.exchange.ownerElsewhere(sessionId).catch(() => owner);
    if (!now || now.instance !== owner.instance) return !now;
    await sleep(OWNER_POLL_MS);
  }
  return false;
}

/**
 * This instance runs the chat from now on: the model-facing history and selection come from the
 * store (the owner saved everything before it let go, or saved what it could before it died), the
 * replica gets its own sinks, and its events continue the seqs the reader already has.
 */
export async function adopt(ctx: ChatDeps, session: Session): Promise<void> {
  const stored = await ctx.archive?.load(session.id, session.owner);
  await ctx.exchange.claim(session.id, session.owner, true).catch((err: unknown) => ctx.log.warn({ err }, 'chat claim failed'));
  if (stored) restoreStored(session, stored);
  const { sinks, mirror } = ctx.sessions.sinksOf(session);
  session.adopt(sinks, mirror);
}

interface RelayPlan {
  owner: ChatOwner;
  reader: SharedReader;
  /** The replica's log starts after this seq. */
  from: number;
  /** Events up to this seq are already in the replica's view (the owner's snapshot). */
  seenUpTo: number;
  runningMessageId: string;
  /** Bound for waiting on an owner that neither answers nor expires. */
  ownerTtlMs: number;
}

/**
 * The running answer of a chat another instance runs, as a turn of the local replica: its events
 * are read from the shared log into the replica's own event log (so resume and backpressure work
 * here as for a local turn), Stop is forwarded to the owner, and when the answer ends the owner
 * lets go of the chat and this instance adopts it. If the owner dies, the reader is told and the
 * chat continues here from what was saved.
 */
export function relayTurn(ctx: ChatDeps, session: Session, plan: RelayPlan): RunningTurn {
  const controller = new AbortController();
  const request = { sessionId: session.id, user: session.owner };
  controller.signal.addEventListener('abort', () => {
    const reason = ownerStopReason(controller.signal);
    if (reason) void ctx.exchange.ask(plan.owner.instance, { op: 'stop', ...request, reason });
  });
  const done = runRelay(ctx, session, plan, controller.signal)
    .catch((err: unknown) => ctx.log.error({ err, sessionId: session.id }, 'relay failed'))
    .finally(() => {
      plan.reader.close();
      if (session.turn?.controller === controller) session.turn = null;
    });
  return { messageId: plan.runningMessageId, controller, done };
}

/**
 * Why an aborted replica turn ends the owner's answer too: only the person's Stop and an abandoned
 * reader do. This instance ending its replica (shutdown, a new chat) leaves the owner's answer
 * running for the next reader (undefined).
 */
function ownerStopReason(signal: AbortSignal): 'stopped' | 'abandoned' | undefined {
  const reason = signal.reason instanceof TurnEnded ? signal.reason.reason : 'stopped';
  return reason === 'stopped' || reason === 'abandoned' ? reason : undefined;
}

async function runRelay(ctx: ChatDeps, session: Session, plan: RelayPlan, signal: AbortSignal): Promise<void> {
  let cursor = plan.from;
  const take = (events: Array<{ seq: number; json: string }>): 'ok' | 'finished' | 'gap' => {
    for (const event of events) {
      if (event.seq <= cursor) continue;
      if (event.seq !== cursor + 1) return 'gap';
      const body = session.replicate(event.seq, event.json, event.seq <= plan.seenUpTo) as ServerEventBody;
      cursor = event.seq;
      if (body.type === 'message-end' && body.id === plan.runningMessageId) return 'finished';
    }
    return 'ok';
  };
  for (;;) {
    if ((signal.aborted && !ownerStopReason(signal)) || session.ended) return;
    await session.waitForReader(signal);
    const events = await plan.reader.next(cursor, READ_WAIT_MS).catch((err: unknown) => {
      ctx.log.warn({ err }, 'shared event log read failed');
      return [];
    });
    const outcome = take(events);
    if (outcome === 'gap') {
      // The reader fell further behind than the shared log keeps: it reconnects and gets a snapshot.
      session.connection?.close(CLOSE_CODES.FELL_BEHIND, 'fell behind');
      return;
    }
    if (outcome === 'finished') break;
    if (events.length === 0 && (await ctx.exchange.ownerElsewhere(session.id).catch(() => plan.owner)) === undefined) {
      await adopt(ctx, session);
      await ctx.limits.forgetChatTurns(session.owner, session.id);
      session.emit({ type: 'error', code: 'ANSWER_INTERRUPTED', message: INTERRUPTED_NOTICE, messageId: plan.runningMessageId });
      session.emit({ type: 'message-end', id: plan.runningMessageId, finishReason: 'error', incomplete: true });
      return;
    }
  }
  // The answer ended: the owner saves everything and lets go; then this instance runs the chat.
  // Frames that arrive meanwhile wait for this (ChatService), instead of meeting "answer in progress".
  let handedOver = () => {};
  session.handingOver = new Promise<void>((resolve) => (handedOver = resolve));
  try {
    const released = await ctx.exchange.ask(plan.owner.instance, { op: 'release', sessionId: session.id, user: session.owner });
    if (!released?.ok && !released?.gone) await ownerGone(ctx, session.id, plan.owner, plan.ownerTtlMs);
    // What the owner said after the answer (a title, a budget warning) is still the reader's.
    for (let more = await plan.reader.next(cursor, 1).catch(() => []); more.length > 0 && take(more) !== 'gap'; ) {
      more = await plan.reader.next(cursor, 1).catch(() => []);
    }
    await adopt(ctx, session);
    // Cleared here, before the waiting frames run, not only when `done` settles a few ticks later.
    session.turn = null;
  } finally {
    session.handingOver = undefined;
    handedOver();
  }
}
