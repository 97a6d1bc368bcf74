import { attachmentInfo } from '../attachments/attachment-limits.js';
import { AppError } from '../errors.js';
import { PROTOCOL_VERSION, type HelloMessage } from '../protocol/client-messages.js';
import { CLOSE_CODES, type ServerEventBody } from '../protocol/server-events.js';
import type { Connection } from '../sessions/connection.js';
import type { Session } from '../sessions/session.js';
import type { ChatDeps } from './chat-deps.js';
import type { Principal } from '../tenants/tenant-directory.js';
import { scopeFor, tenantInfos, usableModel } from './chat-scope.js';
import { followElsewhere } from './chat-follow.js';
import { INTERRUPTED_NOTICE } from './chat-relay.js';
import { restoreStored } from './conversation-archive.js';
import type { ConnectionState } from './connection-state.js';

/** The `ready` event for a connection joining a session. Not replayed: it describes this connection. */
export function readyEvent(ctx: ChatDeps, state: ConnectionState, session: Session, resumed: boolean): ServerEventBody {
  return {
    type: 'ready',
    v: PROTOCOL_VERSION,
    appName: ctx.env.APP_NAME,
    user: state.conn.user,
    testMode: state.testMode,
    resumed,
    session: session.info(),
    ...scopeFor(ctx, session.who),
    tenants: tenantInfos(ctx, state.principal.tenants),
    limits: { maxMessageChars: ctx.env.MAX_MESSAGE_CHARS, ...(ctx.attachments ? { attachments: attachmentInfo(ctx.attachments.limits) } : {}) },
    history: !!ctx.archive,
  };
}

/**
 * A new chat with the permitted defaults of its tenant: a usable model (the preferred one when it
 * qualifies), every permitted tool and data source. The tenant is the preferred one when the person
 * still works for it, else the first of their tenants.
 */
export function createSession(ctx: ChatDeps, principal: Principal, preferred: { model?: string; tenant?: string } = {}): Session {
  const tenant = preferred.tenant && principal.tenants.includes(preferred.tenant) ? preferred.tenant : principal.tenants[0];
  if (!tenant) throw new AppError('NO_TENANT');
  const who = { user: principal.email, tenant };
  const model = usableModel(ctx, who, preferred.model);
  const session = ctx.sessions.create(principal.email, model, tenant);
  // Other instances learn who runs it (a new chat's seqs start at 0, below any later incarnation's).
  void ctx.exchange.claim(session.id, principal.email, false).catch((err: unknown) => ctx.log.warn({ err }, 'chat claim failed'));
  const scope = scopeFor(ctx, who);
  session.tools = scope.tools.map((t) => t.name);
  session.dataSources = scope.dataSources.map((d) => d.id);
  session.record({ kind: 'session-start', sessionId: session.id, user: principal.email, tenant, model, tools: session.tools, dataSources: session.dataSources });
  return session;
}

/**
 * Makes a stored chat live again under its own id: the reader gets its messages, the model its
 * whole history, and it keeps its model and its locked tool and data-source selection.
 */
async function reopenSession(ctx: ChatDeps, user: string, id: string): Promise<Session | undefined> {
  const stored = await ctx.archive?.load(id, user);
  if (!stored) return undefined;
  // Another frame may have made it live while the store was read.
  const live = ctx.sessions.get(id, user);
  if (live) return live;
  // Its seqs continue above every earlier incarnation's, so no reader's old seq is ever reused.
  const seqBase = await ctx.exchange.claim(id, user, true).catch((err: unknown) => (ctx.log.warn({ err }, 'chat claim failed'), 0));
  const raced = ctx.sessions.get(id, user);
  if (raced) return raced;
  const reopened = { id: stored.id, startedAt: new Date(stored.createdAt), entries: stored.entries };
  const session = ctx.sessions.create(user, stored.model, stored.tenant, { reopened, seqBase });
  restoreStored(session, stored);
  return session;
}

/** A chat found for a person, and whether the instance that ran it died under its last answer. */
interface Found {
  session: Session | undefined;
  interrupted: boolean;
}

/**
 * The person's chat with this id: live in this process, else followed or moved from the instance
 * that runs it, else reopened from the store. A chat of a tenant the person no longer works for is
 * refused (it stays in the store, readable by no one else).
 */
async function findSession(ctx: ChatDeps, principal: Principal, id: string, afterSeq = 0): Promise<Found> {
  let session = ctx.sessions.get(id, principal.email);
  let interrupted = false;
  if (!session && ctx.exchange.shared && ctx.archive) {
    const owner = await ctx.exchange.ownerElsewhere(id).catch(() => undefined);
    if (owner && owner.user === principal.email) {
      const followed = await followElsewhere(ctx, id, owner, afterSeq);
      session = followed.session;
      interrupted = followed.ownerLost;
      // The dead instance's answer is over: its lease must not keep the person waiting.
      if (followed.ownerLost) await ctx.limits.forgetChatTurns(principal.email, id);
    }
  }
  session ??= await reopenSession(ctx, principal.email, id);
  if (session && !ctx.tenants.mayOpen(principal.email, session.tenant)) {
    throw new AppError('FORBIDDEN', 'That chat belongs to an organisation you no longer work for.');
  }
  // Told only when the cut answer is the chat's last word (not when the person has moved on since).
  const last = session?.view.entries.at(-1);
  return { session, interrupted: interrupted && last?.role === 'assistant' && !!last.incomplete };
}

/** Says once, in the chat, that the instance writing its last answer died (after the reader joined). */
function tellInterrupted(session: Session, found: Found): void {
  if (found.interrupted && found.session === session) session.record({ kind: 'notice', key: 'answer-interrupted', text: INTERRUPTED_NOTICE });
}

/** Attaches the connection to a session from `afterSeq`, or sends a snapshot when that is no longer buffered. */
export function join(ctx: ChatDeps, state: ConnectionState, session: Session, afterSeq: number, resumed: boolean): void {
  state.session = session;
  ctx.sessions.setCurrent(session);
  ctx.exchange.setCurrent(session.owner, session.id);
  ctx.sessions.attached(session);
  state.sendDirect(readyEvent(ctx, state, session, resumed));
  // A reopened chat's earlier messages are not in its event log, and a client from before the
  // restart counts seqs of another incarnation: both get the snapshot, which carries everything.
  const needsSnapshot = session.reopened && (afterSeq === 0 || afterSeq > session.lastSeq);
  if (needsSnapshot || !session.attach(state.conn, afterSeq)) {
    const running = session.turn ? { runningMessageId: session.turn.messageId } : {};
    state.sendDirect({ type: 'history', messages: session.view.entries, ...running }, session.lastSeq);
    session.attach(state.conn, session.lastSeq);
  }
}

/** `open-chat`: leave the current chat (it stays, and keeps running) and continue an earlier one. */
export async function openChat(ctx: ChatDeps, state: ConnectionState, current: Session, id: string): Promise<void> {
  if (id === current.id) return join(ctx, state, current, 0, true);
  const found = await findSession(ctx, state.principal, id);
  const target = found.session;
  if (!target) throw new AppError('NOT_FOUND', 'No such chat.');
  if (state.conn.closed) return;
  current.detach(state.conn);
  ctx.sessions.detached(current);
  join(ctx, state, target, 0, true);
  tellInterrupted(target, found);
}

/** Tells a connection that a newer one took the chat over, then closes it (4001). */
export function takeOver(previous: Connection): void {
  if (previous.closed) return;
  previous.send(JSON.stringify({ type: 'takeover', message: 'This chat was opened in another tab or window.', seq: 0 }));
  previous.close(CLOSE_CODES.TAKEN_OVER, 'opened elsewhere');
}

/**
 * The first frame. Agrees the protocol version, enforces one live connection per user (the older
 * one is told and closed, or the newer one refused, per SESSION_TAKEOVER), then joins the asked-for
 * session if this user owns it (live, or stored and reopened), else the current one, else a new one.
 */
export async function handleHello(ctx: ChatDeps, state: ConnectionState, msg: HelloMessage): Promise<void> {
  const { conn } = state;
  if (msg.v !== PROTOCOL_VERSION) {
    state.sendDirect({ type: 'error', ...new AppError('PROTOCOL_VERSION', `This server speaks protocol version ${PROTOCOL_VERSION}.`).toEvent() });
    conn.close(CLOSE_CODES.PROTOCOL_VERSION, 'unsupported protocol version');
    return;
  }
  const previous = ctx.sessions.liveConnection(conn.user);
  // Redis down: one instance still keeps its own rule; the log says the shared one is not enforced.
  const elsewhere =
    ctx.env.SESSION_TAKEOVER === 'reject' &&
    (await ctx.presence.heldElsewhere(conn.user).catch((err: unknown) => (conn.log.warn({ err }, 'presence check failed'), false)));
  if (conn.closed) return;
  if (elsewhere || (previous && previous !== conn && !previous.closed)) {
    if (ctx.env.SESSION_TAKEOVER === 'reject') {
      state.sendDirect({ type: 'error', code: 'FORBIDDEN', message: 'This chat is already open in another tab or window.' });
      conn.close(CLOSE_CODES.SESSION_REJECTED, 'open elsewhere');
      return;
    }
    if (previous) takeOver(previous);
    conn.log.info({ previous: previous?.id }, 'session taken over by a new connection');
  }
  ctx.sessions.claimLive(conn);
  // Another instance holding this person's older connection closes it the same way (takeover).
  await ctx.presence.claim(conn.user, conn.id).catch((err: unknown) => conn.log.warn({ err }, 'presence claim failed'));
  clearTimeout(state.helloTimer);
  if (state.principal.tenants.length === 0) {
    const refusal = new AppError('NO_TENANT');
    state.sendDirect({ type: 'error', ...refusal.toEvent() });
    conn.log.warn('refused: the person belongs to no tenant');
    conn.close(CLOSE_CODES.NO_TENANT, 'no tenant');
    return;
  }

  let found: Found = { session: undefined, interrupted: false };
  let afterSeq = 0;
  if (msg.sessionId) {
    found = await findSession(ctx, state.principal, msg.sessionId, msg.lastSeq ?? 0).catch(() => found);
    if (found.session) afterSeq = msg.lastSeq ?? 0;
    else state.sendDirect({ type: 'error', code: 'NOT_FOUND', message: 'That chat has ended or does not exist; you are in a new one.' });
  } else if (!currentInTenant(ctx, state.principal) && ctx.exchange.shared) {
    // The chat the person was in may run on (or have been left by) another instance.
    const remembered = await ctx.exchange.current(conn.user).catch(() => undefined);
    if (remembered) found = await findSession(ctx, state.principal, remembered).catch(() => found);
    if (found.session && !state.principal.tenants.includes(found.session.tenant)) found = { session: undefined, interrupted: false };
  }
  if (conn.closed) return;
  let session = found.session ?? currentInTenant(ctx, state.principal);
  const resumed = !!session;
  session ??= createSession(ctx, state.principal);
  join(ctx, state, session, afterSeq, resumed);
  tellInterrupted(session, found);
}

/** The person's current chat, unless it works for a tenant they have left. */
function currentInTenant(ctx: ChatDeps, principal: Principal): Session | undefined {
  const current = ctx.sessions.current(principal.email);
  return current && principal.tenants.includes(current.tenant) ? current : undefined;
}
