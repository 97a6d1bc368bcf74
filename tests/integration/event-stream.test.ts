import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { HttpRefusal, openStream } from '../support/sse-client.js';

/**
 * The HTTP-streaming transport over real HTTP: GET /sse for server events, POST for client frames,
 * with the WebSocket's sequence numbers, resume, identity and Origin rules.
 */

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { RESUME_GRACE_MS: '10000', MESSAGE_RATE_PER_S: '2', MESSAGE_BURST: '3', MAX_BAD_FRAMES: '50', WS_HELLO_TIMEOUT_MS: '500' } });
});
afterAll(async () => g?.close());

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

async function refusal(promise: Promise<unknown>): Promise<HttpRefusal> {
  const err = await promise.then(
    () => {
      throw new Error('the stream was accepted');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof HttpRefusal)) throw err;
  return err;
}

describe('the event stream', () => {
  it('answers a message posted as a frame with the streamed answer, each event id its seq', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-chat@example.com' });
    const ready = await client.next('ready');
    expect(ready).toMatchObject({ user: 'sse-chat@example.com', resumed: false, seq: 0 });
    expect(client.framesPath).toMatch(/^\/sse\/c_[\w-]+$/);
    g.upstream.enqueue({ steps: answerChunks('Streamed over plain HTTP').map((chunk) => ({ chunk, delayMs: 3 })) });
    expect((await client.post({ type: 'send', text: 'Hello over SSE' })).status).toBe(202);
    await client.next((e) => e.type === 'user-message' && e.text === 'Hello over SSE');
    const start = await client.next('message-start');
    const end = await client.next('message-end');
    expect(end).toMatchObject({ id: start.id, incomplete: false, finishReason: 'stop' });
    expect(client.textOf(start.id)).toBe('Streamed over plain HTTP');
    // Chat events carry id = seq; the connection's own events (ready) carry none.
    client.events.forEach((event, i) => expect(client.ids[i]).toBe(event.seq > 0 ? String(event.seq) : ''));
    const seqs = client.events.filter((e) => e.seq > 0).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    client.close();
  });

  it('resumes with Last-Event-ID after the stream drops mid-answer: the text is exact, nothing lost or repeated', async () => {
    const first = await openStream(g.httpUrl, { email: 'sse-resume@example.com' });
    const ready = await first.next('ready');
    const text = words(120);
    g.upstream.enqueue({ steps: answerChunks(text).map((chunk) => ({ chunk, delayMs: 8 })) });
    await first.post({ type: 'send', text: 'long one' });
    const start = await first.next('message-start');
    await first.next((e) => e.type === 'delta' && first.textOf(start.id).split(' ').length > 10);
    first.close();
    await first.closed;
    const seen = first.textOf(start.id);
    expect(seen.length).toBeLessThan(text.length);

    const second = await openStream(g.httpUrl, {
      email: 'sse-resume@example.com',
      query: { sessionId: ready.session.id },
      headers: { 'Last-Event-ID': first.lastEventId },
    });
    const again = await second.next('ready');
    expect(again).toMatchObject({ resumed: true, session: { id: ready.session.id, runningMessageId: start.id } });
    await second.next('message-end');
    expect(seen + second.textOf(start.id)).toBe(text);
    const firstSeqs = first.events.filter((e) => e.seq > 0).map((e) => e.seq);
    const secondSeqs = second.events.filter((e) => e.seq > 0).map((e) => e.seq);
    expect(secondSeqs[0]).toBe(Number(first.lastEventId) + 1);
    expect(new Set([...firstSeqs, ...secondSeqs]).size).toBe(firstSeqs.length + secondSeqs.length);
    second.close();
  });

  it('also resumes from a lastSeq query parameter', async () => {
    const first = await openStream(g.httpUrl, { email: 'sse-query@example.com' });
    const ready = await first.next('ready');
    g.upstream.enqueue({ steps: answerChunks('one two three').map((chunk) => ({ chunk })) });
    await first.post({ type: 'send', text: 'hi' });
    const end = await first.next('message-end');
    first.close();
    const second = await openStream(g.httpUrl, { email: 'sse-query@example.com', query: { sessionId: ready.session.id, lastSeq: String(end.seq - 1) } });
    await second.next('ready');
    const replayed = await second.next((e) => e.seq > 0);
    expect(replayed).toEqual(end);
    second.close();
  });

  it('takes over the same user\'s WebSocket, telling it why', async () => {
    const { client: socket } = await g.open({ email: 'sse-takeover@example.com' });
    const stream = await openStream(g.httpUrl, { email: 'sse-takeover@example.com' });
    await stream.next('ready');
    await socket.next('takeover');
    expect((await socket.closed).code).toBe(4001);
    const { client: socketAgain } = await g.open({ email: 'sse-takeover@example.com' });
    expect(await stream.closed).toEqual({ code: 4001, reason: 'opened elsewhere' });
    expect(stream.all('takeover')).toHaveLength(1);
    socketAgain.close();
  });

  it('answers bad frames on the stream, like a socket, and keeps the connection', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-bad@example.com' });
    await client.next('ready');
    expect((await client.post('{not json')).status).toBe(202);
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'The frame is not valid JSON.', seq: 0 });
    expect((await client.post({ type: 'hello', v: 1 })).status).toBe(202);
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'hello was already received.' });
    client.close();
  });

  it('applies the per-user message rate to posted frames', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-flood@example.com' });
    await client.next('ready');
    // The burst is 3 and the hello took one token; the fourth frame at once is over the limit.
    for (let i = 0; i < 4; i += 1) await client.post({ type: 'select-tools', tools: [], dataSources: [] });
    expect(await client.next('error')).toMatchObject({ code: 'RATE_LIMITED' });
    client.close();
  });

  it('closes the stream with 1009 when a posted frame is over WS_MAX_FRAME_BYTES', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-big@example.com' });
    await client.next('ready');
    const big = JSON.stringify({ type: 'send', text: 'x'.repeat(70 * 1024) });
    const res = await client.post(big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await client.closed).toEqual({ code: 1009, reason: 'frame too large' });
  });

  it('refuses a frame for someone else\'s connection exactly like an unknown one', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-owner@example.com' });
    await client.next('ready');
    const foreign = await client.post({ type: 'stop' }, { 'X-EMAIL-USER': 'sse-intruder@example.com' });
    const unknown = await fetch(`${g.httpUrl}/sse/c_doesnotexist`, { method: 'POST', headers: { 'X-EMAIL-USER': 'sse-owner@example.com' }, body: '{"type":"stop"}' });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(foreign.body)).toEqual(await unknown.json());
    client.close();
  });
});

describe('the hello the stream stands for', () => {
  it('closes with 4002 for another protocol version, after saying why', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-v2@example.com', query: { v: '2' } });
    expect(await client.next('error')).toMatchObject({ code: 'PROTOCOL_VERSION', message: 'This server speaks protocol version 1.' });
    expect(await client.closed).toEqual({ code: 4002, reason: 'unsupported protocol version' });
  });

  it('answers an invalid query like an invalid hello, and closes with 4003 when no valid hello follows', async () => {
    const client = await openStream(g.httpUrl, { email: 'sse-badq@example.com', query: { sessionId: 'not a valid id!' } });
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.closed).toEqual({ code: 4003, reason: 'hello expected' });
    expect(client.all('ready')).toEqual([]);
  });
});

describe('shutdown', () => {
  it('tells an open stream the server is restarting and ends it with 1001', async () => {
    const own = await startGalaxy();
    try {
      const client = await openStream(own.httpUrl, { email: 'sse-shutdown@example.com' });
      await client.next('ready');
      const closing = own.server.close();
      expect(await client.next('shutdown')).toMatchObject({ message: 'The server is restarting; your chat will reconnect.', seq: 0 });
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      await closing;
    } finally {
      await own.close();
    }
  });
});

describe('admission to the event stream', () => {
  it('refuses a stream without identity, with the upgrade\'s reason', async () => {
    const err = await refusal(openStream(g.httpUrl, { email: null }));
    expect(err.status).toBe(401);
    expect(err.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a stream and a frame from a foreign Origin', async () => {
    const err = await refusal(openStream(g.httpUrl, { email: 'sse-origin@example.com', origin: 'https://evil.example' }));
    expect(err.status).toBe(403);
    expect(err.body).toEqual({ error: { code: 'BAD_ORIGIN', message: 'This origin may not open a chat connection.' } });
    const client = await openStream(g.httpUrl, { email: 'sse-origin@example.com', origin: g.httpUrl });
    await client.next('ready');
    const post = await client.post({ type: 'stop' }, { Origin: 'https://evil.example' });
    expect(post.status).toBe(403);
    client.close();
  });

  it('refuses a cross-site request that carries no Origin (an <img> aimed at the stream)', async () => {
    const err = await refusal(openStream(g.httpUrl, { email: 'sse-img@example.com', headers: { 'Sec-Fetch-Site': 'cross-site' } }));
    expect(err.status).toBe(403);
    expect(err.body.error.code).toBe('BAD_ORIGIN');
  });

  it('trusts the identity header only from a trusted proxy', async () => {
    const strict = await startGalaxy({ env: { TRUSTED_PROXIES: '10.9.9.9/32' } });
    try {
      const err = await refusal(openStream(strict.httpUrl, { email: 'sse-peer@example.com' }));
      expect(err.status).toBe(403);
      expect(err.body.error.code).toBe('UNTRUSTED_PEER');
    } finally {
      await strict.close();
    }
  });
});

describe('the connection check', () => {
  it('gives the verdict the upgrade would give, for the Origin the page states', async () => {
    const ok = await g.get(`/api/connection-check?origin=${encodeURIComponent(g.httpUrl)}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ ok: true, websocket: true, eventStream: '/sse' });
    const foreign = await g.get('/api/connection-check?origin=https%3A%2F%2Fevil.example');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text).error.code).toBe('BAD_ORIGIN');
    await expect(g.connect({ origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    const anonymous = await g.get('/api/connection-check', {});
    expect(anonymous.status).toBe(401);
  });

  it('says the WebSocket is off under DISABLE_WEBSOCKET, while the stream carries the chat', async () => {
    const off = await startGalaxy({ env: { DISABLE_WEBSOCKET: 'true' } });
    try {
      const check = await off.get('/api/connection-check');
      expect(JSON.parse(check.text)).toEqual({ ok: true, websocket: false, eventStream: '/sse' });
      const client = await openStream(off.httpUrl, { email: 'sse-off@example.com' });
      await client.next('ready');
      off.upstream.enqueue({ steps: answerChunks('still chatting').map((chunk) => ({ chunk })) });
      await client.post({ type: 'send', text: 'hi' });
      const start = await client.next('message-start');
      await client.next('message-end');
      expect(client.textOf(start.id)).toBe('still chatting');
      client.close();
    } finally {
      await off.close();
    }
  });
});
