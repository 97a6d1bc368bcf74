import { afterAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

const started: Galaxy[] = [];
afterAll(async () => {
  for (const g of started) await g.close().catch(() => undefined);
});

async function json(g: Galaxy, path: string, email = 'alice@example.com'): Promise<{ status: number; body: any }> {
  const res = await g.get(path, { 'X-EMAIL-USER': email });
  return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined };
}

describe('chats that last', () => {
  it('keeps a chat across a restart: listed, searchable, reopened with its whole history for the model', async () => {
    const a = await startGalaxy();
    started.push(a);
    const { client, ready } = await a.open();
    const id = ready.session.id as string;
    a.upstream.enqueue({ steps: answerChunks('The zebra project ships quantum gizmos next spring.', { promptTokens: 11 }).map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'What is the **zebra** project?\nmore detail' });
    expect((await client.next('title')).title).toBe('What is the zebra project?');
    await client.next('message-end');
    // A stream without usage: the ledger counts it with the tokenizer and marks it.
    a.upstream.enqueue({ steps: answerChunks('Short reply.').slice(0, -1).map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'thanks' });
    await client.next((e) => e.type === 'message-end' && e.seq > 6);
    client.close();

    const usage = await json(a, '/api/usage');
    expect(usage.status).toBe(200);
    const row = usage.body.rows.find((r: any) => r.model === 'fake');
    expect(row).toMatchObject({ requests: 2, estimatedCalls: 1 });
    expect(row.promptTokens).toBeGreaterThan(11);
    expect(row.completionTokens).toBeGreaterThan(7);
    await a.stop();

    const b = await startGalaxy({ dir: a.dir });
    started.push(b);
    const list = await json(b, '/api/conversations');
    expect(list.body.items.map((c: any) => [c.id, c.title])).toEqual([[id, 'What is the zebra project?']]);
    const found = await json(b, '/api/conversations?q=gizmos');
    expect(found.body.items[0]).toMatchObject({ id });
    expect(found.body.items[0].snippet).toContain('gizmos');
    const stored = await json(b, `/api/conversations/${id}`);
    expect(stored.body.messages.map((m: any) => [m.role, m.incomplete ?? false])).toEqual([
      ['user', false],
      ['assistant', false],
      ['user', false],
      ['assistant', false],
    ]);

    const again = await b.open({ hello: { sessionId: id, lastSeq: 40 } });
    expect(again.ready.session).toMatchObject({ id, title: 'What is the zebra project?', locked: true });
    const history = await again.client.next('history');
    expect(history.messages.map((m: any) => m.text)).toEqual([
      'What is the **zebra** project?\nmore detail',
      'The zebra project ships quantum gizmos next spring.',
      'thanks',
      'Short reply.',
    ]);
    b.upstream.enqueue({ steps: answerChunks('Continuing.').map((chunk) => ({ chunk })) });
    again.client.send({ type: 'send', text: 'go on' });
    await again.client.next('message-end');
    const sent = b.upstream.requests.at(-1)!.body.messages.map((m: any) => [m.role, m.content]);
    expect(sent.slice(1)).toEqual([
      ['user', 'What is the **zebra** project?\nmore detail'],
      ['assistant', 'The zebra project ships quantum gizmos next spring.'],
      ['user', 'thanks'],
      ['assistant', 'Short reply.'],
      ['user', 'go on'],
    ]);
    again.client.close();

    // Someone else's id answers exactly like an unknown one, over HTTP and over the socket.
    expect((await json(b, `/api/conversations/${id}`, 'mallory@example.com')).status).toBe(404);
    const other = await b.open({ email: 'mallory@example.com', hello: { sessionId: id } });
    expect(other.client.events.find((e) => e.type === 'error')?.code).toBe('NOT_FOUND');
    expect(other.ready.session.id).not.toBe(id);
    other.client.send({ type: 'open-chat', conversationId: id });
    expect((await other.client.next((e) => e.type === 'error' && e.seq === 0 && e.message === 'No such chat.')).code).toBe('NOT_FOUND');
    other.client.close();
  });

  it('open-chat switches to an earlier chat; new-chat leaves the old one stored', async () => {
    const g = await startGalaxy();
    started.push(g);
    const { client, ready } = await g.open({ email: 'switch@example.com' });
    g.upstream.enqueue({ steps: answerChunks('first answer').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'first chat' });
    await client.next('message-end');
    client.send({ type: 'new-chat' });
    const fresh = await client.next((e) => e.type === 'ready' && e.session.id !== ready.session.id);
    client.send({ type: 'open-chat', conversationId: ready.session.id });
    const back = await client.next((e) => e.type === 'ready' && e.session.id === ready.session.id);
    expect(back.session.title).toBe('first chat');
    const list = await json(g, '/api/conversations', 'switch@example.com');
    // The empty new chat is stored too, newest first.
    expect(list.body.items.map((c: any) => c.id)).toEqual([fresh.session.id, ready.session.id]);
    client.close();
  });
});

describe('long chats fit the model', () => {
  it('leaves the oldest turns out of the request, never the system prompt or the newest message, and says so once', async () => {
    const g = await startGalaxy({ fakeModelLines: ['    context_tokens: 400', '    max_output_tokens: 100'] });
    started.push(g);
    const { client } = await g.open({ email: 'long@example.com' });
    const long = (n: number) => `message ${n}: ${'lorem ipsum dolor sit amet '.repeat(12)}`;
    for (let n = 1; n <= 5; n += 1) {
      g.upstream.enqueue({ steps: answerChunks(`reply ${n}`).map((chunk) => ({ chunk })) });
      client.send({ type: 'send', text: long(n) });
      await client.next((e) => e.type === 'message-end' && client.all('message-end').length === n);
    }
    const sent = g.upstream.requests.map((r) => r.body.messages as Array<{ role: string; content: string }>);
    expect(sent[0]).toHaveLength(2);
    const last = sent.at(-1)!;
    expect(last[0]!.role).toBe('system');
    expect(last.at(-1)).toEqual({ role: 'user', content: long(5) });
    expect(last.length).toBeLessThan(10); // some earlier turns were left out…
    expect(last[1]!.role).toBe('user'); // …whole turns, cut at a user message
    expect(g.upstream.requests.at(-1)!.body.max_tokens).toBe(100);
    const notices = client.all('notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ key: 'context-trimmed' });
    client.close();
  });
});
