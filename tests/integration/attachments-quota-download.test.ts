import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

/** The per-person storage quota (ATTACHMENT_QUOTA_MB_PER_USER) and GET /api/attachments/:id, over real HTTP. */

const KB = 1024;
const MB = 1024 * 1024;
let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { ATTACHMENT_QUOTA_MB_PER_USER: '1', ATTACHMENT_MAX_BYTES: String(400 * KB) } });
}, 30_000);
afterAll(async () => g?.close());

// Each test is its own person: one person has one live chat, which a second connection joins.
async function upload(email: string, conversation: string, name: string, body: Buffer | string) {
  const res = await fetch(`${g.httpUrl}/api/attachments?conversation=${encodeURIComponent(conversation)}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'X-EMAIL-USER': email, 'Content-Type': 'application/octet-stream' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const download = (id: string, email?: string) => fetch(`${g.httpUrl}/api/attachments/${id}`, { headers: email ? { 'X-EMAIL-USER': email } : {} });
const text = (kb: number) => 'x'.repeat(kb * KB);

describe('the attachment quota', () => {
  it('refuses the upload that would pass the quota in plain words with used and allowed bytes, and keeps what is stored', async () => {
    const { client, ready } = await g.open({ email: 'quota@example.com' });
    const chat = ready.session.id as string;
    const first = await upload('quota@example.com', chat, 'a.txt', text(300));
    expect(first.status).toBe(201);
    expect(first.body.storage).toEqual({ usedBytes: 300 * KB, allowedBytes: MB });
    expect((await upload('quota@example.com', chat, 'b.txt', text(300))).body.storage.usedBytes).toBe(600 * KB);
    expect((await upload('quota@example.com', chat, 'c.txt', text(300))).status).toBe(201);
    const refused = await upload('quota@example.com', chat, 'd.txt', text(300));
    expect(refused).toEqual({
      status: 413,
      body: {
        error: {
          code: 'QUOTA_EXCEEDED',
          usedBytes: 900 * KB,
          allowedBytes: MB,
          message: 'd.txt (300 KB) does not fit: your files already use 900 KB of the 1 MB you may store (ATTACHMENT_QUOTA_MB_PER_USER). Delete chats with files you no longer need to make room.',
        },
      },
    });
    // What fits still goes in; the refused file left nothing behind.
    expect((await upload('quota@example.com', chat, 'small.txt', text(100))).body.storage).toEqual({ usedBytes: 1000 * KB, allowedBytes: MB });
    const stored = await g.server.ctx.store.getAttachments(chat, 'quota@example.com');
    expect(stored.map((a) => a.name)).toEqual(['a.txt', 'b.txt', 'c.txt', 'small.txt']);
    const usage = JSON.parse((await g.get('/api/usage', { 'X-EMAIL-USER': 'quota@example.com' })).text);
    expect(usage.attachments).toEqual({ usedBytes: 1000 * KB, allowedBytes: MB });
    client.close();
  });

  it('never lets concurrent uploads of one person pass the quota together', async () => {
    const { client, ready } = await g.open({ email: 'racer@example.com' });
    const chat = ready.session.id as string;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload('racer@example.com', chat, `r${i}.txt`, text(300))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 413, 413, 413, 413, 413]);
    expect(results.filter((r) => r.status === 413).every((r) => r.body.error.code === 'QUOTA_EXCEEDED' && r.body.error.usedBytes === 900 * KB)).toBe(true);
    expect(await g.server.ctx.store.attachmentBytesUsed('racer@example.com')).toBe(900 * KB);
    client.close();
  });

  it("frees a person's space when they delete a chat with files, and never counts another person's files", async () => {
    const { client, ready } = await g.open({ email: 'tidy@example.com' });
    const chat = ready.session.id as string;
    expect((await upload('tidy@example.com', chat, 'a.txt', text(400))).status).toBe(201);
    expect((await upload('tidy@example.com', chat, 'b.txt', text(400))).status).toBe(201);
    expect((await upload('tidy@example.com', chat, 'c.txt', text(400))).status).toBe(413);
    client.send({ type: 'new-chat' });
    const next = (await client.next('ready')).session.id as string;
    const deleted = await fetch(`${g.httpUrl}/api/conversations/${chat}`, { method: 'DELETE', headers: { 'X-EMAIL-USER': 'tidy@example.com' } });
    expect(deleted.status).toBe(204);
    // Others' files (earlier tests filled their quotas) are not counted.
    const again = await upload('tidy@example.com', next, 'c.txt', text(400));
    expect(again.body.storage).toEqual({ usedBytes: 400 * KB, allowedBytes: MB });
    client.close();
  });
});

describe('downloading an attached file', () => {
  it('gives the owner the bytes back as a download that cannot run: SVG and HTML as plain text, sandboxed, never sniffed', async () => {
    const { client, ready } = await g.open({ email: 'owner@example.com' });
    const chat = ready.session.id as string;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(1)</script></svg>';
    const html = '<!doctype html><html><body><script>fetch("/api/conversations").then(r=>r.text()).then(alert)</script></body></html>';
    const files = [
      { name: 'evil.svg', body: svg },
      { name: 'Überblick "Q1"\r\n.html', body: html },
    ];
    for (const file of files) {
      const up = await upload('owner@example.com', chat, file.name, file.body);
      expect(up.body.mime).toBe('text/plain');
      const res = await download(up.body.id, 'owner@example.com');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(file.body);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"\\\r\n]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
    }
    const named = await upload('owner@example.com', chat, 'Überblick "Q1".html', html);
    expect((await download(named.body.id, 'owner@example.com')).headers.get('content-disposition')).toBe(
      `attachment; filename="_berblick _Q1_.html"; filename*=UTF-8''%C3%9Cberblick%20%22Q1%22.html`,
    );
    client.close();
  });

  it("answers another person's file, an unknown id and a malformed one exactly alike (404), and anonymous callers 401", async () => {
    const { client, ready } = await g.open({ email: 'keeper@example.com' });
    const secret = await upload('keeper@example.com', ready.session.id, 'secret.txt', 'the merger is on');
    const answers = await Promise.all([download(secret.body.id, 'thief@example.com'), download('f_doesnotexist', 'thief@example.com'), download('bad$id', 'thief@example.com'), download('%2E%2E%2Fetc', 'thief@example.com')]);
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such file.' } });
    }
    expect((await download(secret.body.id)).status).toBe(401);
    const mine = await download(secret.body.id, 'KEEPER@example.com');
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe('the merger is on');
    client.close();
  });
});
