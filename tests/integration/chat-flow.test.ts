import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, usageChunk } from '../support/chunks.js';
import { DEFAULT_FAKE_ANSWER } from '../support/fake-upstream.js';
import { startGalaxy, UPSTREAM_KEY, type Galaxy } from '../support/galaxy.js';

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { SYSTEM_PROMPT_OVERRIDE: 'You are the test assistant.' } });
});
afterAll(async () => g.close());

describe('a chat turn over the WebSocket', () => {
  it('greets with ready: session, models with availability, app name, user', async () => {
    const { client, ready } = await g.open();
    expect(ready.seq).toBe(0);
    expect(ready.appName).toBe('Galaxy Chat');
    expect(ready.user).toBe('alice@example.com');
    expect(ready.session.id).toMatch(/^s_[A-Za-z0-9_-]{16}$/);
    expect(ready.models.map((m: any) => [m.name, m.available, m.demo])).toEqual([
      ['fake', true, false],
      ['demo', true, true],
    ]);
    expect(ready.session.model).toBe('fake');
    client.close();
  });

  it('streams an answer from the upstream with usage, numbered events and the full history sent', async () => {
    const { client, ready } = await g.open({ email: 'stream@example.com' });
    g.upstream.enqueue({ steps: [...answerChunks('One two three').map((chunk) => ({ chunk, delayMs: 2 })), { chunk: usageChunk(11, 3) }] });
    client.send({ type: 'send', text: 'First question', clientId: 'c1' });
    const user = await client.next('user-message');
    expect(user).toMatchObject({ text: 'First question', clientId: 'c1' });
    const start = await client.next('message-start');
    const end = await client.next('message-end');
    expect(end).toMatchObject({ id: start.id, finishReason: 'stop', incomplete: false, usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 } });
    expect(client.textOf(start.id)).toBe('One two three');
    expect(client.all('delta').length).toBeGreaterThan(1);
    const seqs = client.events.filter((e) => e.seq > 0).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

    // The second turn carries the system prompt and the whole history.
    client.send({ type: 'send', text: 'Second question' });
    await client.next('message-end');
    const body = g.upstream.requests.at(-1)!.body;
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['system', expect.stringContaining('You are the test assistant.')],
      ['user', 'First question'],
      ['assistant', 'One two three'],
      ['user', 'Second question'],
    ]);
    expect(g.upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    client.close();
    expect(ready.resumed).toBe(false);
  });

  it('switches models and the next turn goes to the chosen one', async () => {
    const { client } = await g.open({ email: 'switch@example.com' });
    client.send({ type: 'select-model', model: 'demo' });
    expect(await client.next('model-selected')).toMatchObject({ model: 'demo' });
    const before = g.upstream.requests.length;
    client.send({ type: 'send', text: 'hello demo' });
    const start = await client.next('message-start');
    expect(start.model).toBe('demo');
    await client.next('message-end', 10_000);
    expect(client.textOf(start.id)).toContain('hello demo');
    expect(g.upstream.requests.length).toBe(before);
    client.send({ type: 'select-model', model: 'nope' });
    expect(await client.next('error')).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    client.close();
  });

  it('refuses a second send while an answer streams, and never calls the upstream for it', async () => {
    const { client } = await g.open({ email: 'busy@example.com' });
    g.upstream.enqueue({ steps: answerChunks('slow answer here').map((chunk) => ({ chunk, delayMs: 60 })) });
    const before = g.upstream.requests.length;
    client.send({ type: 'send', text: 'one' });
    await client.next('message-start');
    client.send({ type: 'send', text: 'two' });
    expect(await client.next('error')).toMatchObject({ code: 'TURN_IN_PROGRESS', seq: 0 });
    await client.next('message-end');
    expect(g.upstream.requests.length).toBe(before + 1);
    client.close();
  });

  it('keeps feedback in the transcript and acknowledges it; rejects feedback on unknown answers', async () => {
    const { client, ready } = await g.open({ email: 'feedback@example.com' });
    client.send({ type: 'send', text: 'rate me' });
    const start = await client.next('message-start');
    await client.next('message-end');
    client.send({ type: 'feedback', messageId: start.id, rating: 'bad', comment: 'Too short' });
    expect(await client.next('feedback-saved')).toMatchObject({ messageId: start.id });
    client.send({ type: 'feedback', comment: 'Nice tool overall' });
    await client.next((e) => e.type === 'feedback-saved' && e.messageId === undefined);
    client.send({ type: 'feedback', messageId: 'm_doesnotexist', rating: 'good' });
    expect(await client.next('error')).toMatchObject({ code: 'NOT_FOUND' });
    const exported = await g.get(`/api/sessions/${ready.session.id}/export.txt`, { 'X-EMAIL-USER': 'feedback@example.com' });
    expect(exported.text).toContain('Feedback on');
    expect(exported.text).toContain('bad Too short');
    expect(exported.text).toContain('Nice tool overall');
    client.close();
  });

  it('new-chat ends the session and starts another with fresh numbering', async () => {
    const { client, ready } = await g.open({ email: 'newchat@example.com' });
    client.send({ type: 'send', text: 'in the first chat' });
    await client.next('message-end');
    client.send({ type: 'new-chat' });
    const second = await client.next('ready');
    expect(second.session.id).not.toBe(ready.session.id);
    expect(second.resumed).toBe(false);
    client.send({ type: 'send', text: 'in the second chat' });
    const lock = await client.next('selection');
    expect(lock).toMatchObject({ locked: true, seq: 1 });
    expect(await client.next('user-message')).toMatchObject({ seq: 2 });
    await client.next('message-end');
    await new Promise((r) => setTimeout(r, 50));
    const first = readFileSync(join(g.logsDir, `${ready.session.id}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(first.at(-1)).toMatchObject({ kind: 'session-end', reason: 'new-chat' });
    client.close();
  });

  it('answers the default script text when nothing is enqueued', async () => {
    const { client } = await g.open({ email: 'default@example.com' });
    client.send({ type: 'send', text: 'hi' });
    const start = await client.next('message-start');
    await client.next('message-end');
    expect(client.textOf(start.id)).toBe(DEFAULT_FAKE_ANSWER);
    client.close();
  });
});
