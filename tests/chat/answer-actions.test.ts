import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import { connect, fakeDeps } from './fake-chat.js';

/** Regenerate and edit-and-resend through ChatService with a fake connection and the demo model. */
function setup() {
  const chat = new ChatService(fakeDeps());
  const { conn, state } = connect('ann@corp.example');
  const frame = (message: object) => chat.handleFrame(state, JSON.stringify(message), false);
  const settled = async () => {
    await state.queue.idle();
    await state.session?.turn?.done;
  };
  frame({ type: 'hello', v: 1 });
  return { conn, state, frame, settled };
}

describe('regenerate', () => {
  it('asks again from the same history and keeps the previous answer as an earlier version', async () => {
    const { conn, state, frame, settled } = setup();
    frame({ type: 'send', text: 'first question' });
    await settled();
    const firstAnswer = conn.of('message-start')[0]!.id;
    frame({ type: 'regenerate' });
    await settled();
    expect(conn.of('superseded')).toEqual([expect.objectContaining({ fromId: firstAnswer, reason: 'regenerate' })]);
    expect(conn.of('message-start')).toHaveLength(2);
    const session = state.session!;
    expect(session.view.entries.map((e) => [e.role, !!e.superseded])).toEqual([['user', false], ['assistant', true], ['assistant', false]]);
    // The model saw the question once and the new answer once: the old answer left its view.
    expect(session.history.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('refuses when there is nothing to regenerate, or while an answer runs', async () => {
    const { conn, frame, settled } = setup();
    frame({ type: 'regenerate' });
    await settled();
    expect(conn.of('error')[0]?.code).toBe('NOT_FOUND');
    frame({ type: 'send', text: 'one' });
    frame({ type: 'regenerate' });
    await settled();
    expect(conn.of('error').map((e) => e.code)).toContain('TURN_IN_PROGRESS');
  });
});

describe('edit-message', () => {
  it('replaces the message and answers again; what followed stays as the earlier branch', async () => {
    const { conn, state, frame, settled } = setup();
    frame({ type: 'send', text: 'first question' });
    await settled();
    frame({ type: 'send', text: 'second question' });
    await settled();
    const firstUser = conn.of('user-message')[0]!.id;
    frame({ type: 'edit-message', messageId: firstUser, text: 'a better first question' });
    await settled();
    expect(conn.of('superseded').at(-1)).toMatchObject({ fromId: firstUser, reason: 'edit' });
    const session = state.session!;
    expect(session.view.entries.filter((e) => !e.superseded).map((e) => e.text.slice(0, 23))).toEqual(['a better first question', expect.any(String)]);
    expect(session.view.entries.filter((e) => e.superseded)).toHaveLength(4);
    expect(session.history[0]).toEqual({ role: 'user', text: 'a better first question' });
    expect(session.history).toHaveLength(2);
  });

  it('refuses another message id, an answer’s id and an earlier version', async () => {
    const { conn, frame, settled } = setup();
    frame({ type: 'send', text: 'question' });
    await settled();
    const user = conn.of('user-message')[0]!.id;
    const answer = conn.of('message-start')[0]!.id;
    for (const messageId of ['u_unknown', answer]) frame({ type: 'edit-message', messageId, text: 'x' });
    frame({ type: 'edit-message', messageId: user, text: 'changed' });
    await settled();
    frame({ type: 'edit-message', messageId: user, text: 'again' });
    await settled();
    expect(conn.of('error').map((e) => e.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
  });
});
