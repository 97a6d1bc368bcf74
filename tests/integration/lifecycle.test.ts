import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answerChunks, textChunk, finishChunk } from '../support/chunks.js';
import { startGalaxy, UPSTREAM_KEY, type Galaxy } from '../support/galaxy.js';

const readTranscript = (g: Galaxy, id: string) =>
  readFileSync(join(g.logsDir, `${id}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('transcripts and export', () => {
  let g: Galaxy;
  beforeAll(async () => {
    g = await startGalaxy({ env: { THINKING_INTERVAL_MS: '100', PROXY_SECRET: 'proxy-secret-value-99', LLM_MAX_RETRIES: '0' } });
  });
  afterAll(async () => g.close());
  const headers = { 'X-EMAIL-USER': 'writer@example.com', 'X-Proxy-Secret': 'proxy-secret-value-99' };

  it('writes one JSONL file per session with every kind of record, whole lines, secrets redacted', async () => {
    const { client, ready } = await g.open({ email: 'writer@example.com', headers: { 'X-Proxy-Secret': 'proxy-secret-value-99' } });
    g.upstream.enqueue({ delayMs: 250, steps: answerChunks('Answer **one**').map((chunk) => ({ chunk })) }, { status: 500 });
    client.send({ type: 'send', text: `my key is ${UPSTREAM_KEY} and proxy-secret-value-99` });
    const start = await client.next('message-start');
    await client.next('message-end');
    client.send({ type: 'feedback', messageId: start.id, rating: 'good' });
    await client.next('feedback-saved');
    client.send({ type: 'send', text: 'this one fails' });
    await client.next('error');
    client.send({ type: 'new-chat' });
    await client.next('ready');
    // The old chat ends (and its transcript is closed) after new-chat answers: wait for that line.
    const transcript = join(g.logsDir, `${ready.session.id}.jsonl`);
    await expect.poll(() => readFileSync(transcript, 'utf8'), { timeout: 10_000 }).toContain('"session-end"');
    const raw = readFileSync(transcript, 'utf8');
    expect(raw).not.toContain(UPSTREAM_KEY);
    expect(raw).not.toContain('proxy-secret-value-99');
    expect(raw.endsWith('\n')).toBe(true);
    const records = readTranscript(g, ready.session.id);
    const kinds = records.map((r) => r.kind);
    for (const kind of ['session-start', 'selection', 'user-message', 'status', 'model-call', 'assistant-message', 'feedback', 'error', 'session-end']) {
      expect(kinds).toContain(kind);
    }
    expect(records[0]).toMatchObject({ kind: 'session-start', user: 'writer@example.com', model: 'fake' });
    expect(records.find((r) => r.kind === 'model-call')).toMatchObject({ model: 'fake', finishReason: 'stop', firstTokenMs: expect.any(Number), durationMs: expect.any(Number) });
    expect(records.find((r) => r.kind === 'error')).toMatchObject({ code: 'LLM_ERROR', stack: expect.stringContaining('Error') });
    expect(records.find((r) => r.kind === 'user-message')!.text).toContain('[REDACTED]');
    client.close();
  });

  it('exports a readable .txt to the owner only', async () => {
    const { client, ready } = await g.open({ email: 'exporter@example.com', headers: { 'X-Proxy-Secret': 'proxy-secret-value-99' } });
    g.upstream.enqueue({ steps: answerChunks('Paris is the capital.').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'What is the capital of France?' });
    await client.next('message-end');
    const path = `/api/sessions/${ready.session.id}/export.txt`;
    const res = await g.get(path, { ...headers, 'X-EMAIL-USER': 'exporter@example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`attachment; filename="galaxy-chat-${ready.session.id}.txt"`);
    const lines = res.text.split('\n');
    expect(lines[0]).toBe('Galaxy Chat — chat transcript');
    expect(res.text).toContain(`Session: ${ready.session.id}`);
    expect(res.text).toContain('User: exporter@example.com');
    expect(res.text).toMatch(/Started: \d{4}-\d\d-\d\dT/);
    expect(res.text).toContain('Model(s): fake');
    expect(res.text).toMatch(/\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] You:\nWhat is the capital of France\?/);
    expect(res.text).toMatch(/\] Answer 1 \(fake\):\nParis is the capital\./);
    expect((await g.get(path, { ...headers, 'X-EMAIL-USER': 'someone@example.com' })).status).toBe(404);
    expect((await g.get('/api/sessions/..%2F..%2Fetc%2Fpasswd/export.txt', headers)).status).toBe(404);
    client.close();
  });
});

describe('health and readiness', () => {
  it('reports liveness without identity and per-model readiness with it', async () => {
    const g = await startGalaxy({ env: { LLM_STARTUP_CHECK: 'true', LLM_PING_TIMEOUT_MS: '500' }, extraModels: '  - name: keyless\n    provider: openai\n    model_name: x\n    api_key: ${NOT_SET_ANYWHERE}' });
    try {
      const health = await g.get('/health', {});
      expect(JSON.parse(health.text)).toMatchObject({ status: 'ok' });
      await g.upstream.waitForRequests(1, 3000);
      await new Promise((r) => setTimeout(r, 100));
      const ready = JSON.parse((await g.get('/ready')).text);
      expect(ready.status).toBe('ready');
      expect(ready.uwsNative).toBe(true);
      const byName = Object.fromEntries(ready.models.map((m: any) => [m.name, m]));
      expect(byName.fake).toMatchObject({ available: true, status: 'ok' });
      expect(byName.keyless).toMatchObject({ available: false, reason: expect.stringContaining('NOT_SET_ANYWHERE') });
      const ping = g.upstream.requests.find((r) => !r.stream)!;
      expect(ping.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
      expect(ready.tools).toHaveProperty('code_execution');
    } finally {
      await g.close();
    }
  });
});

describe('backpressure and idle clients', () => {
  it('pauses the upstream for a client that stops reading, keeps memory bounded, then delivers everything', async () => {
    const g = await startGalaxy({ env: { WS_MAX_BACKPRESSURE_BYTES: '262144', MAX_RESPONSE_CHARS: '10000000', DELTA_FLUSH_MS: '16' } });
    try {
      const { client } = await g.open({ email: 'slow@example.com' });
      const piece = 'x'.repeat(2048);
      const count = 4000;
      g.upstream.enqueue({ steps: [...Array.from({ length: count }, () => ({ chunk: textChunk(piece) })), { chunk: finishChunk('stop') }] });
      const socket = (client.ws as any)._socket as import('node:net').Socket;
      client.send({ type: 'send', text: 'flood me' });
      await client.next('delta');
      socket.pause();
      const session = g.server.ctx.sessions.all().find((s) => s.owner === 'slow@example.com')!;
      // Wait for the event, not the clock: on a loaded machine the socket buffers fill later.
      for (let waited = 0; !session.readerCongested && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(session.readerCongested).toBe(true);
      await new Promise((r) => setTimeout(r, 200)); // the pending delta flush (DELTA_FLUSH_MS) lands
      const answerSoFar = () => session.view.entries.at(-1)!.text.length;
      // The turn has stopped pulling from the upstream: nothing new is produced while the reader is stuck.
      const seqWhilePaused = session.lastSeq;
      const producedWhilePaused = answerSoFar();
      await new Promise((r) => setTimeout(r, 700));
      expect(session.lastSeq).toBe(seqWhilePaused);
      expect(answerSoFar()).toBe(producedWhilePaused);
      expect(producedWhilePaused).toBeLessThan(count * piece.length);
      expect(session.connection!.bufferedAmount()).toBeLessThanOrEqual(262144 + 8192 + 2048);
      socket.resume();
      const end = await client.next('message-end', 80_000);
      expect(end.incomplete).toBe(false);
      expect(client.textOf(end.id).length).toBe(count * piece.length);
      client.close();
    } finally {
      await g.close();
    }
  }, 90_000);

  it('stop ends an answer whose reader is stuck, without waiting for the reader', async () => {
    const g = await startGalaxy({ env: { WS_MAX_BACKPRESSURE_BYTES: '262144', MAX_RESPONSE_CHARS: '10000000' } });
    try {
      const { client } = await g.open({ email: 'stuck@example.com' });
      g.upstream.enqueue({ steps: [...Array.from({ length: 4000 }, () => ({ chunk: textChunk('y'.repeat(2048)) })), { chunk: finishChunk('stop') }] });
      const socket = (client.ws as any)._socket as import('node:net').Socket;
      client.send({ type: 'send', text: 'flood me' });
      await client.next('delta');
      socket.pause();
      await new Promise((r) => setTimeout(r, 1000));
      const session = g.server.ctx.sessions.all().find((s) => s.owner === 'stuck@example.com')!;
      expect(session.turn).not.toBeNull();
      client.send({ type: 'stop' });
      await vi.waitFor(() => expect(session.turn).toBeNull(), { timeout: 5000 });
      socket.resume();
      expect(await client.next('message-end', 30_000)).toMatchObject({ finishReason: 'stopped', incomplete: true });
      client.close();
    } finally {
      await g.close();
    }
  }, 60_000);

  it('closes a half-open client that stops answering pings after the idle timeout', async () => {
    const g = await startGalaxy({ env: { WS_IDLE_TIMEOUT_S: '8' } });
    try {
      const { client } = await g.open({ email: 'halfopen@example.com' });
      ((client.ws as any)._socket as import('node:net').Socket).pause();
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (!g.server.ctx.sessions.all().some((s) => s.connection)) {
            clearInterval(timer);
            resolve();
          }
        }, 200);
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    } finally {
      await g.close();
    }
  }, 40_000);
});

describe('graceful shutdown', () => {
  it('tells clients, lets the running answer finish, closes with 1001 and ends every session', async () => {
    const g = await startGalaxy({ env: { SHUTDOWN_GRACE_MS: '5000' } });
    const { client } = await g.open({ email: 'bye@example.com' });
    g.upstream.enqueue({ steps: answerChunks('finishing up nicely').map((chunk) => ({ chunk, delayMs: 50 })) });
    client.send({ type: 'send', text: 'long one' });
    const start = await client.next('message-start');
    const closing = g.close();
    expect(await client.next('shutdown')).toMatchObject({ seq: 0 });
    const end = await client.next('message-end');
    expect(end).toMatchObject({ id: start.id, incomplete: false });
    expect((await client.closed).code).toBe(1001);
    await closing.catch(() => undefined);
  });

  it('reports a turn cut by shutdown as SHUTTING_DOWN, not TURN_TIMEOUT', async () => {
    const g = await startGalaxy({ env: { SHUTDOWN_GRACE_MS: '100' } });
    const { client } = await g.open({ email: 'cut@example.com' });
    g.upstream.enqueue({ steps: answerChunks('a b c d e f g h i j k l m n o p q r s t').map((chunk) => ({ chunk, delayMs: 200 })) });
    client.send({ type: 'send', text: 'too long for the grace period' });
    const start = await client.next('message-start');
    const closing = g.close();
    const end = await client.next((e) => e.type === 'message-end' && e.id === start.id);
    expect(end).toMatchObject({ incomplete: true, finishReason: 'error', error: { code: 'SHUTTING_DOWN' } });
    await closing.catch(() => undefined);
  });
});
