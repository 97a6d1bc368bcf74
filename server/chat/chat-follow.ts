import type { ChatOwner } from '../scale/session-exchange.js';
import type { Session } from '../sessions/session.js';
import type { ChatDeps } from './chat-deps.js';
import { ownerGone, relayTurn } from './chat-relay.js';

/** What joining a chat run by another instance gave. */
export interface Followed {
  /** A replica following the running answer; undefined = reopen the chat from the store here. */
  session?: Session;
  /** The instance that ran the chat is gone: the person is told its last answer was cut short. */
  ownerLost: boolean;
}

/**
 * A person's chat that another instance runs (a reconnect or a new tab landed here). While it is
 * writing an answer this instance follows it: a replica fed from the shared log, from the reader's
 * seq when the log still has it, else from the owner's snapshot. When it is idle the owner lets go
 * and the caller reopens it from the store. An owner that is gone is not waited for; one that
 * only does not answer is, until its key expires, so two instances never run one chat.
 */
export async function followElsewhere(ctx: ChatDeps, id: string, owner: ChatOwner, afterSeq: number): Promise<Followed> {
  const user = owner.user;
  const ttlMs = ctx.env.REDIS_OWNER_TTL_MS;
  const reply = await ctx.exchange.ask(owner.instance, { op: 'follow', sessionId: id, user });
  if (reply?.gone) return { ownerLost: true };
  if (!reply) return { ownerLost: await ownerGone(ctx, id, owner, ttlMs) };
  const snapshot = reply.snapshot;
  if (!reply.ok || !snapshot) return { ownerLost: false };
  if (!snapshot.runningMessageId) {
    const released = await ctx.exchange.ask(owner.instance, { op: 'release', sessionId: id, user });
    if (!released?.ok && !released?.gone) await ownerGone(ctx, id, owner, ttlMs);
    return { ownerLost: false };
  }
  const reader = ctx.exchange.reader(owner);
  const resumable = afterSeq > 0 && afterSeq < snapshot.seq && (await reader.covers(afterSeq).catch(() => false));
  const from = resumable ? afterSeq : snapshot.seq;
  const { info } = snapshot;
  const session = ctx.sessions.create(user, info.model, info.tenant, {
    reopened: { id, startedAt: new Date(info.startedAt), entries: snapshot.entries },
    seqBase: from,
    replica: true,
  });
  session.title = info.title;
  session.tools = info.tools;
  session.dataSources = info.dataSources;
  session.locked = info.locked;
  session.turn = relayTurn(ctx, session, {
    owner,
    reader,
    from,
    seenUpTo: snapshot.seq,
    runningMessageId: snapshot.runningMessageId,
    ownerTtlMs: ttlMs,
  });
  ctx.log.info({ sessionId: id, owner: owner.instance, from }, 'following a chat another instance runs');
  return { session, ownerLost: false };
}
