import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({
    env: { WS_MAX_FRAME_BYTES: '4096', MESSAGE_RATE_PER_S: '5', MESSAGE_BURST: '5', MAX_BAD_FRAMES: '8', WS_MAX_CONNECTIONS_PER_USER: '3', RESUME_GRACE_MS: '300' },
  });
});
afterAll(async () => g.close());

describe('cross-site WebSocket hijacking', () => {
  const host = () => `127.0.0.1:${g.server.port}`;
  it.each([
    'https://evil.example',
    'null',
    'http://127.0.0.1.evil.com',
    'https://HOST',
    'http://127.0.0.1:1',
    'HTTP://HOST',
  ])('refuses Origin %s with 403 before upgrading', async (template) => {
    const origin = template.replace('HOST', host());
    await expect(g.connect({ origin })).rejects.toMatchObject({ status: 403 });
  });

  it('accepts the exact same origin', async () => {
    const client = await g.connect({ origin: `http://${host()}`, email: 'origin@example.com' });
    client.close();
  });
});

describe('garbage and oversized frames', () => {
  it('answers invalid JSON, binary, unknown types and prototype tricks with errors and stays open', async () => {
    const roomy = await startGalaxy({ env: { MESSAGE_BURST: '50', MAX_BAD_FRAMES: '50' } });
    const { client } = await roomy.open({ email: 'garbage@example.com' });
    client.sendRaw('{not json');
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'The frame is not valid JSON.' });
    client.sendRaw(Buffer.from([1, 2, 3]), true);
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    client.send({ type: 'explode' });
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    client.sendRaw('{"__proto__":{"admin":true},"type":"stop"}');
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    client.sendRaw(`${'['.repeat(1000)}${']'.repeat(1000)}`);
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    client.send({ type: 'hello', v: 1e308 });
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE' });
    // Still usable.
    client.send({ type: 'select-model', model: 'demo' });
    expect(await client.next('model-selected')).toMatchObject({ model: 'demo' });
    client.close();
    await roomy.close();
  });

  it('requires hello first and refuses an unknown protocol version with 4002', async () => {
    const client = await g.connect({ email: 'version@example.com' });
    client.send({ type: 'send', text: 'hi' });
    expect(await client.next('error')).toMatchObject({ code: 'HELLO_REQUIRED' });
    client.send({ type: 'hello', v: 99 });
    expect(await client.next('error')).toMatchObject({ code: 'PROTOCOL_VERSION' });
    expect((await client.closed).code).toBe(4002);
  });

  it('closes the connection with 1009 on a frame over WS_MAX_FRAME_BYTES, including one sent in fragments', async () => {
    const { client } = await g.open({ email: 'big@example.com' });
    client.send({ type: 'send', text: 'x'.repeat(5000) });
    expect((await client.closed).code).toBe(1009);
    const second = await g.open({ email: 'big2@example.com' });
    // Fragmented: the ws client splits a message across continuation frames when fin is false.
    second.client.ws.send('{"type":"send","text":"', { fin: false });
    second.client.ws.send('y'.repeat(5000), { fin: false });
    second.client.ws.send('"}', { fin: true });
    expect((await second.client.closed).code).toBe(1009);
  });

  it('drops a socket whose text frame is not valid UTF-8 before handling it (uWS, no close frame: 1006)', async () => {
    const { client } = await g.open({ email: 'utf8@example.com' });
    // The ws client sends a Buffer as-is in a text frame: a lone continuation byte and an overlong form.
    client.sendRaw(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0x80, 0xc0, 0xaf, 0x22, 0x7d]));
    expect((await client.closed).code).toBe(1006);
    expect(client.all('error')).toEqual([]);
    expect((await g.get('/health', {})).status).toBe(200);
  });
});

describe('floods', () => {
  it('rate-limits a message flood and closes with 1008 after repeated violations, never reaching the model', async () => {
    const { client } = await g.open({ email: 'flood@example.com' });
    const before = g.upstream.requests.length;
    for (let i = 0; i < 40; i += 1) client.send({ type: 'stop' });
    expect(await client.next('error')).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await client.closed).code).toBe(1008);
    expect(g.upstream.requests.length).toBe(before);
  });

  it('keeps the message budget per user, so reconnecting does not refill it', async () => {
    let limited = false;
    // Burst 5: six stops over three fresh sockets, two each, must be refused somewhere.
    for (let i = 0; i < 3 && !limited; i += 1) {
      const { client } = await g.open({ email: 'reconnector@example.com' });
      client.send({ type: 'stop' });
      client.send({ type: 'stop' });
      client.send({ type: 'hello', v: 1 });
      const reply = await client.next('error');
      limited = reply.code === 'RATE_LIMITED';
      client.close();
      await client.closed;
    }
    expect(limited).toBe(true);
  });

  it('refuses more than WS_MAX_CONNECTIONS_PER_USER sockets with 429', async () => {
    const open = await Promise.all([1, 2, 3].map(() => g.connect({ email: 'many@example.com' })));
    await expect(g.connect({ email: 'many@example.com' })).rejects.toMatchObject({ status: 429 });
    for (const c of open) c.close();
  });
});

describe('connection lifetime hazards', () => {
  it('survives a client that disconnects in the middle of the upgrade', async () => {
    for (let i = 0; i < 20; i += 1) {
      const socket = net.connect(g.server.port, '127.0.0.1', () => {
        socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-EMAIL-USER: abort@example.com\r\n');
        socket.destroy();
      });
      socket.on('error', () => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await g.get('/health', {})).status).toBe(200);
  });

  it('aborts the upstream when the client leaves mid-stream and nobody resumes within the grace period', async () => {
    const { client } = await g.open({ email: 'leaver@example.com' });
    g.upstream.enqueue({ steps: answerChunks('a b c d e f g h i j k l m n o p').map((chunk) => ({ chunk, delayMs: 100 })) });
    const aborts = g.upstream.aborts;
    client.send({ type: 'send', text: 'start then leave' });
    await client.next('delta');
    client.close();
    await g.upstream.waitForAborts(aborts + 1, 3000);
    expect(g.upstream.aborts).toBe(aborts + 1);
  });
});

describe('connections per peer address', () => {
  it('refuses upgrades beyond WS_MAX_CONNECTIONS_PER_IP with 429', async () => {
    const tight = await startGalaxy({ env: { WS_MAX_CONNECTIONS_PER_IP: '2' } });
    try {
      const a = await tight.connect({ email: 'ip1@example.com' });
      const b = await tight.connect({ email: 'ip2@example.com' });
      await expect(tight.connect({ email: 'ip3@example.com' })).rejects.toMatchObject({ status: 429 });
      a.close();
      b.close();
    } finally {
      await tight.close();
    }
  });
});
