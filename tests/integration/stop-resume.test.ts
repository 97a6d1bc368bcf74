import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, textChunk } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { RESUME_GRACE_MS: '5000', THINKING_INTERVAL_MS: '100' } });
});
afterAll(async () => g.close());

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('stop', () => {
  it('aborts the upstream request and ends the answer with what was streamed', async () => {
    const { client } = await g.open({ email: 'stopper@example.com' });
    g.upstream.enqueue({ steps: answerChunks(words(60)).map((chunk) => ({ chunk, delayMs: 30 })) });
    const aborts = g.upstream.aborts;
    client.send({ type: 'send', text: 'long answer please' });
    const start = await client.next('message-start');
    await client.next('delta');
    await client.next('delta');
    client.send({ type: 'stop' });
    const end = await client.next('message-end');
    expect(end).toMatchObject({ id: start.id, finishReason: 'stopped', incomplete: true });
    await g.upstream.waitForAborts(aborts + 1, 2000);
    const partial = client.textOf(start.id);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(words(60).length);
    // The model sees the partial answer in the next turn's history.
    client.send({ type: 'send', text: 'continue' });
    await client.next((e) => e.type === 'message-end' && e.id !== start.id);
    const history = g.upstream.requests.at(-1)!.body.messages;
    expect(history.at(-2)).toEqual({ role: 'assistant', content: partial });
    client.close();
  });
});

describe('status while waiting', () => {
  it('sends status with the elapsed time until tokens flow', async () => {
    const { client } = await g.open({ email: 'status@example.com' });
    g.upstream.enqueue({ delayMs: 450, steps: answerChunks('finally').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'slow start' });
    const first = await client.next('status');
    const second = await client.next('status');
    expect(first.text).toMatch(/^Thinking… \d+ s$/);
    expect(second.elapsedMs).toBeGreaterThan(first.elapsedMs);
    await client.next('message-end');
    const afterEnd = client.events.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(client.events.slice(afterEnd).filter((e) => e.type === 'status')).toEqual([]);
    client.close();
  });
});

describe('resume after a dropped connection', () => {
  it('replays every missed event exactly once and the turn finishes while away', async () => {
    const first = await g.open({ email: 'resumer@example.com' });
    const text = words(40);
    g.upstream.enqueue({ steps: answerChunks(text).map((chunk) => ({ chunk, delayMs: 15 })) });
    first.client.send({ type: 'send', text: 'stream while I reconnect' });
    const start = await first.client.next('message-start');
    await first.client.next('delta');
    const lastSeq = Math.max(...first.client.events.map((e) => e.seq));
    first.client.ws.terminate();
    await new Promise((r) => setTimeout(r, 200));

    const second = await g.open({ email: 'resumer@example.com', hello: { sessionId: first.ready.session.id, lastSeq } });
    expect(second.ready).toMatchObject({ resumed: true, session: { id: first.ready.session.id } });
    await second.client.next((e) => e.type === 'message-end' && e.id === start.id);
    const seen = [...first.client.events.filter((e) => e.seq > 0 && e.seq <= lastSeq), ...second.client.events.filter((e) => e.seq > 0)];
    const seqs = seen.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const joined = seen.filter((e) => e.type === 'delta' && e.id === start.id).map((e) => e.text).join('');
    expect(joined).toBe(text);
    second.client.close();
  });

  it('sends a history snapshot when the events after lastSeq are no longer buffered', async () => {
    const small = await startGalaxy({ env: { SESSION_EVENT_BUFFER_BYTES: '65536' } });
    try {
      const a = await small.open({ email: 'gap@example.com' });
      const long = 'z'.repeat(200);
      small.upstream.enqueue({ steps: [...Array.from({ length: 600 }, () => ({ chunk: textChunk(long) })), ...answerChunks('').map((chunk) => ({ chunk }))] });
      a.client.send({ type: 'send', text: 'a lot of text' });
      const start = await a.client.next('message-start');
      await a.client.next('message-end', 10_000);
      a.client.close();
      const b = await small.open({ email: 'gap@example.com', hello: { sessionId: a.ready.session.id, lastSeq: 1 } });
      const history = await b.client.next('history');
      const answer = history.messages.find((m: any) => m.id === start.id);
      expect(answer.text).toBe(long.repeat(600));
      expect(history.seq).toBeGreaterThan(600);
      b.client.close();
    } finally {
      await small.close();
    }
  });

  it('treats another user\'s session id as unknown and starts a fresh chat', async () => {
    const owner = await g.open({ email: 'owner@example.com' });
    const intruder = await g.open({ email: 'intruder@example.com', hello: { sessionId: owner.ready.session.id, lastSeq: 0 } });
    expect(intruder.client.all('error')[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect(intruder.ready.session.id).not.toBe(owner.ready.session.id);
    const exported = await g.get(`/api/sessions/${owner.ready.session.id}/export.txt`, { 'X-EMAIL-USER': 'intruder@example.com' });
    expect(exported.status).toBe(404);
    owner.client.close();
    intruder.client.close();
  });
});

describe('one live connection per user', () => {
  it('a second connection takes over: the first is told, then closed with 4001', async () => {
    const tab1 = await g.open({ email: 'tabs@example.com' });
    const tab2 = await g.open({ email: 'tabs@example.com' });
    expect(await tab1.client.next('takeover')).toMatchObject({ seq: 0, message: expect.stringContaining('another tab') });
    expect((await tab1.client.closed).code).toBe(4001);
    expect(tab2.ready.session.id).toBe(tab1.ready.session.id);
    expect(tab2.ready.resumed).toBe(true);
    tab2.client.close();
  });

  it('with SESSION_TAKEOVER=reject the new connection is refused instead', async () => {
    const strict = await startGalaxy({ env: { SESSION_TAKEOVER: 'reject' } });
    try {
      const tab1 = await strict.open({ email: 'strict@example.com' });
      const tab2 = await strict.connect({ email: 'strict@example.com' });
      tab2.send({ type: 'hello', v: 1 });
      expect(await tab2.next('error')).toMatchObject({ code: 'FORBIDDEN' });
      expect((await tab2.closed).code).toBe(4004);
      tab1.client.send({ type: 'select-model', model: 'demo' });
      expect(await tab1.client.next('model-selected')).toBeTruthy();
      tab1.client.close();
    } finally {
      await strict.close();
    }
  });
});

describe('joining while an answer is being generated', () => {
  it('names the running answer in ready, and a second tab gets the rest of it', async () => {
    const tab1 = await g.open({ email: 'running@example.com' });
    g.upstream.enqueue({ steps: answerChunks(words(30)).map((chunk) => ({ chunk, delayMs: 20 })) });
    tab1.client.send({ type: 'send', text: 'long' });
    const start = await tab1.client.next('message-start');
    await tab1.client.next('delta');
    const tab2 = await g.open({ email: 'running@example.com' });
    expect(tab2.ready.session.runningMessageId).toBe(start.id);
    const end = await tab2.client.next((e) => e.type === 'message-end' && e.id === start.id);
    expect(end.incomplete).toBe(false);
    expect(tab2.client.textOf(start.id)).toBe(words(30));
    tab2.client.close();
  });
});
