import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { tinyPdf } from '../support/tiny-pdf.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e5c9c40000000049454e44ae426082', 'hex');

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({
    env: { ATTACHMENT_MAX_BYTES: '4096', ATTACHMENT_MAX_FILES: '2' },
    // The fake upstream accepts images; the demo model does not.
    fakeModelLines: ['    vision: true'],
  });
}, 30_000);
afterAll(async () => g?.close());

// Each test is its own person: one person has one live chat, which a second connection joins.
async function upload(conversation: string, name: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${g.httpUrl}/api/attachments?conversation=${encodeURIComponent(conversation)}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'X-EMAIL-USER': 'alice@example.com', 'Content-Type': 'application/octet-stream', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function uploadAs(email: string, conversation: string, name: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return upload(conversation, name, body, { 'X-EMAIL-USER': email, ...headers });
}

function lastUserContent(): any {
  const messages = g.upstream.requests.at(-1)!.body.messages as Array<{ role: string; content: any }>;
  return messages.filter((m) => m.role === 'user').at(-1)!.content;
}

describe('attachments over HTTP and the WebSocket', () => {
  it('sends a text file and a PDF to the model as their names and text, and shows them on the message and in history', async () => {
    const { client, ready } = await g.open();
    const chat = ready.session.id as string;
    const csv = await upload(chat, 'sales.csv', 'region,total\nnorth,42\n');
    expect(csv.status).toBe(201);
    expect(csv.body).toMatchObject({ name: 'sales.csv', mime: 'text/csv', kind: 'text', size: 22, conversationId: chat });
    const pdf = await upload(chat, 'report.pdf', tinyPdf(['Quarterly revenue grew 17 percent']));
    expect(pdf.status).toBe(201);
    expect(pdf.body).toMatchObject({ mime: 'application/pdf', kind: 'pdf' });

    client.send({ type: 'send', text: 'Summarise these', attachments: [csv.body.id, pdf.body.id] });
    const user = await client.next('user-message');
    expect(user.attachments.map((a: any) => [a.name, a.size])).toEqual([['sales.csv', 22], ['report.pdf', pdf.body.size]]);
    await client.next('message-end');
    const content = lastUserContent();
    expect(typeof content).toBe('string');
    expect(content).toContain('Summarise these');
    expect(content).toContain('[Attached file: sales.csv]\nregion,total\nnorth,42\n');
    expect(content).toContain('[Attached file: report.pdf]\nQuarterly revenue grew 17 percent');

    // Edited, the message keeps its files: the model reads them with the new text.
    client.send({ type: 'edit-message', messageId: user.id, text: 'Only the totals, please' });
    const edited = await client.next((e) => e.type === 'user-message' && e.id !== user.id);
    expect(edited.attachments.map((a: any) => a.name)).toEqual(['sales.csv', 'report.pdf']);
    await client.next('message-end');
    expect(lastUserContent()).toContain('Only the totals, please\n\n[Attached file: sales.csv]\nregion,total');

    const stored = await g.get(`/api/conversations/${chat}`);
    const message = JSON.parse(stored.text).messages.find((m: any) => m.role === 'user');
    expect(message.attachments.map((a: any) => a.name)).toEqual(['sales.csv', 'report.pdf']);
    const exported = await g.get(`/api/conversations/${chat}/export.txt`);
    expect(exported.text).toContain('Attached: sales.csv (22 bytes), report.pdf (');
    // The session transcript's download names them too, and never holds their content.
    const transcript = await g.get(`/api/sessions/${chat}/export.txt`);
    expect(transcript.text).toContain('Summarise these\nAttached: sales.csv (22 bytes), report.pdf (');
    expect(transcript.text).not.toContain('north,42');
    client.close();
  });

  it('sends an image as an image part to a vision model and refuses it for another with a clear error', async () => {
    const { client, ready } = await g.open({ email: 'carol@example.com' });
    const chat = ready.session.id as string;
    const upload = (c: string, name: string, body: Buffer) => uploadAs('carol@example.com', c, name, body);
    expect(ready.models.find((m: any) => m.name === 'fake')?.vision).toBe(true);
    expect(ready.models.find((m: any) => m.name === 'demo')?.vision).toBeUndefined();
    const image = await upload(chat, 'dot.png', PNG);
    expect(image.body).toMatchObject({ mime: 'image/png', kind: 'image' });

    client.send({ type: 'select-model', model: 'demo' });
    client.send({ type: 'send', text: 'What is this?', attachments: [image.body.id] });
    const refused = await client.next('error');
    expect(refused.code).toBe('IMAGES_UNSUPPORTED');
    expect(refused.message).toBe('Demo (offline) does not accept images, so dot.png cannot be sent; choose a model that accepts images, or remove the image.');
    expect(client.all('user-message')).toEqual([]);

    client.send({ type: 'select-model', model: 'fake' });
    client.send({ type: 'send', text: 'What is this?', attachments: [image.body.id] });
    await client.next('message-end');
    const content = lastUserContent();
    expect(content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'text', text: '[Attached image: dot.png]' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
    ]);
    client.close();
  });

  it("refuses another person's attachment id exactly like an unknown one", async () => {
    const alice = await g.open();
    const secret = await upload(alice.ready.session.id, 'secret.txt', 'the merger is on');
    const bob = await g.open({ email: 'bob@example.com' });
    const before = g.upstream.requests.length;
    bob.client.send({ type: 'send', text: 'read it', attachments: [secret.body.id] });
    const stolen = await bob.client.next('error');
    bob.client.send({ type: 'send', text: 'read it', attachments: ['f_doesnotexist'] });
    const unknown = await bob.client.next('error');
    expect(stolen.code).toBe('NOT_FOUND');
    expect(stolen.message).toBe(`No attachment "${secret.body.id}" in this chat; attach the file again.`);
    expect(unknown.message).toBe('No attachment "f_doesnotexist" in this chat; attach the file again.');
    expect(g.upstream.requests.length).toBe(before);
    // Nor can Bob upload into Alice's chat.
    const intrude = await fetch(`${g.httpUrl}/api/attachments?conversation=${alice.ready.session.id}&name=x.txt`, { method: 'POST', headers: { 'X-EMAIL-USER': 'bob@example.com' }, body: 'hi' });
    expect(intrude.status).toBe(404);
    alice.client.close();
    bob.client.close();
  });

  it('refuses files over the limits with clear 413, 415 and 400 answers', async () => {
    const { client, ready } = await g.open({ email: 'dave@example.com' });
    const chat = ready.session.id as string;
    const upload = (c: string, name: string, body: Buffer | string, headers: Record<string, string> = {}) => uploadAs('dave@example.com', c, name, body, headers);
    const big = await upload(chat, 'big.txt', 'x'.repeat(5000));
    expect(big).toEqual({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'big.txt is larger than 4 KB, the most one file may be (ATTACHMENT_MAX_BYTES).' } } });
    const binary = await upload(chat, 'notes.txt', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    expect(binary.status).toBe(415);
    expect(binary.body.error.code).toBe('UNSUPPORTED_FILE');
    expect(binary.body.error.message).toMatch(/^notes\.txt cannot be attached: it is not text, a PDF or an image/);
    const anonymous = await fetch(`${g.httpUrl}/api/attachments?conversation=${chat}&name=a.txt`, { method: 'POST', body: 'hi' });
    expect(anonymous.status).toBe(401);
    const crossSite = await upload(chat, 'a.txt', 'hi', { Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('BAD_ORIGIN');
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await upload(chat, `f${n}.txt`, `file ${n}`)).body.id);
    client.send({ type: 'send', text: 'three files', attachments: ids });
    const tooMany = await client.next('error');
    expect(tooMany).toMatchObject({ code: 'BAD_MESSAGE', message: 'A message may carry at most 2 files (ATTACHMENT_MAX_FILES); this one has 3.' });
    // Text may be empty only when files come with it.
    client.send({ type: 'send', text: '  ' });
    expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'The message is empty.' });
    const unnamed = await fetch(`${g.httpUrl}/api/attachments?conversation=${chat}&name=%2F`, { method: 'POST', headers: { 'X-EMAIL-USER': 'dave@example.com' }, body: 'x' });
    expect(await unnamed.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'name: the file needs a name.' } });
    expect(client.all('user-message')).toEqual([]);
    client.close();
  });
});

describe('attachments after a restart', () => {
  it('reopens a chat with its files: chips in history, and the model sees the file again; exports name it; deleting the chat deletes it', async () => {
    const a = await startGalaxy({ fakeModelLines: ['    vision: true'] });
    let b: Galaxy | undefined;
    try {
      const { client, ready } = await a.open();
      const chat = ready.session.id as string;
      const send = (conversation: string, name: string, body: Buffer) =>
        fetch(`${a.httpUrl}/api/attachments?conversation=${conversation}&name=${name}`, { method: 'POST', headers: { 'X-EMAIL-USER': 'alice@example.com' }, body: new Uint8Array(body) }).then((r) => r.json() as Promise<any>);
      const note = await send(chat, 'plan.md', Buffer.from('Launch on *Tuesday*'));
      const dot = await send(chat, 'dot.png', PNG);
      client.send({ type: 'send', text: '', attachments: [note.id, dot.id] });
      expect((await client.next('title')).title).toBe('plan.md');
      await client.next('message-end');
      client.close();
      await a.stop();

      b = await startGalaxy({ dir: a.dir, fakeModelLines: ['    vision: true'] });
      const again = await b.open({ hello: { sessionId: chat, lastSeq: 40 } });
      const history = await again.client.next('history');
      expect(history.messages[0].attachments.map((f: any) => f.name)).toEqual(['plan.md', 'dot.png']);
      again.client.send({ type: 'send', text: 'and?' });
      await again.client.next('message-end');
      const first = (b.upstream.requests.at(-1)!.body.messages as any[]).find((m) => m.role === 'user');
      expect(first.content).toEqual([
        { type: 'text', text: '[Attached file: plan.md]\nLaunch on *Tuesday*\n[End of plan.md]' },
        { type: 'text', text: '[Attached image: dot.png]' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
      ]);
      const md = await b.get(`/api/conversations/${chat}/export.md`);
      expect(md.text).toContain('*Attached: plan.md \\(19 bytes\\), dot.png \\(70 bytes\\)*');
      const json = JSON.parse((await b.get(`/api/conversations/${chat}/export.json`)).text);
      expect(json.messages[0].attachments.map((f: any) => f.name)).toEqual(['plan.md', 'dot.png']);
      again.client.close();

      const deleted = await fetch(`${b.httpUrl}/api/conversations/${chat}`, { method: 'DELETE', headers: { 'X-EMAIL-USER': 'alice@example.com' } });
      expect(deleted.status).toBe(204);
      expect(await b.server.ctx.store.getAttachments(chat, 'alice@example.com')).toEqual([]);
    } finally {
      await b?.close();
      await a.close().catch(() => undefined);
    }
  }, 30_000);
});

describe('attachments with history turned off', () => {
  it('offers no attachments and refuses uploads and ids in plain words', async () => {
    const off = await startGalaxy({ env: { HISTORY_ENABLED: 'false' } });
    try {
      const { client, ready } = await off.open();
      expect(ready.limits).toEqual({ maxMessageChars: 32_000 });
      const res = await fetch(`${off.httpUrl}/api/attachments?conversation=${ready.session.id}&name=a.txt`, { method: 'POST', headers: { 'X-EMAIL-USER': 'alice@example.com' }, body: 'hi' });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toBe('Files cannot be attached on this server: they are kept with chat history, which is turned off (HISTORY_ENABLED=false).');
      client.send({ type: 'send', text: 'hi', attachments: ['f_1'] });
      expect(await client.next('error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'Files cannot be attached on this server: they are kept with chat history, which is turned off.' });
      client.close();
    } finally {
      await off.close();
    }
  });
});
