import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { answerChunks } from '../support/chunks.js';
import { startCluster, type Cluster, type Instance } from '../support/cluster.js';
import { nginxAvailable } from '../support/nginx.js';
import { postgresAvailable } from '../support/postgres.js';
import { redisAvailable } from '../support/redis.js';
import type { TestClient } from '../support/ws-client.js';

const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
const ANSWER_STEPS = (text: string, delayMs: number) => answerChunks(text).map((chunk, i) => ({ chunk, delayMs: i === 0 ? 0 : delayMs }));

const TENANTS = `
tenants:
  - id: acme
    name: Acme
    members: ["*@example.com"]
  - id: tight
    name: Tight
    members: ["*@tight.example"]
    budget:
      monthly_requests: 5
`;
const RACERS = Array.from({ length: 8 }, (_, i) => `racer${i}@tight.example`);
const PEOPLE = ['roam@example.com', 'resume@example.com', 'stop@example.com', 'roll@example.com', 'crash@example.com', ...RACERS];

const missing = [!postgresAvailable() && 'postgresql', !redisAvailable() && 'redis-server', !nginxAvailable() && 'nginx'].filter(Boolean);
const describeCluster = missing.length === 0 || process.env.CI === 'true' ? describe : describe.skip;
if (missing.length > 0) console.warn(`${process.env.CI === 'true' ? 'FAILING' : 'SKIPPED'} multi-instance tests: ${missing.join(', ')} not installed`);

/** Says hello and returns which instance answered (each instance has its own APP_NAME). */
async function hello(client: TestClient, extra: Record<string, unknown> = {}) {
  const ready = await client.hello(extra);
  return { ready, instance: ready.appName as string };
}

/**
 * Reconnects as the page does after its instance died: a socket the proxy drops before `ready`
 * (nginx had a connection to the dead instance in flight) is retried, at most three times.
 */
async function reconnect(cluster: Cluster, email: string, hello: Record<string, unknown>) {
  for (let attempt = 1; ; attempt++) {
    const client = await cluster.connect(email);
    client.send({ type: 'hello', v: 1, ...hello });
    const first = await Promise.race([client.next('ready', 5000).catch(() => undefined), client.closed.then(() => undefined)]);
    if (first) return { client, instance: first.appName as string, ready: first };
    client.ws.terminate();
    if (attempt === 3) throw new Error(`no ready after ${attempt} reconnects`);
  }
}

/** Everything a client has seen of an answer, by seq, so a resumed stream can be checked for gaps and repeats. */
function deltasBySeq(clients: TestClient[], messageId: string): string {
  const seen = new Map<number, string>();
  for (const c of clients) for (const e of c.events) if (e.type === 'delta' && e.id === messageId) {
    expect(seen.has(e.seq), `seq ${e.seq} delivered twice`).toBe(false);
    seen.set(e.seq, e.text);
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t).join('');
}

describeCluster('several instances behind nginx in round-robin, on PostgreSQL and Redis', () => {
  let cluster: Cluster;
  const byName = (name: string): Instance => cluster.instances.find((i) => i.name === name)!;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`multi-instance tests need ${missing.join(', ')}`);
    cluster = await startCluster({ users: PEOPLE, tenantsYaml: TENANTS, env: { SHUTDOWN_GRACE_MS: '15000', RESUME_GRACE_MS: '30000' } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('a second tab on the other instance takes the chat over and joins the same chat', async () => {
    const first = await cluster.connect('roam@example.com');
    const one = await hello(first);
    first.send({ type: 'send', text: 'hello there' });
    await first.next('message-end');
    const second = await cluster.connect('roam@example.com');
    const two = await hello(second);
    expect(two.instance).not.toBe(one.instance);
    expect((await first.next('takeover')).message).toMatch(/another tab or window/);
    expect(await first.closed).toMatchObject({ code: 4001 });
    expect(two.ready.session.id).toBe(one.ready.session.id);
    second.send({ type: 'send', text: 'still here?' });
    expect((await second.next('message-end')).incomplete).toBe(false);
    second.close();
  });

  it('a reconnect mid-answer onto the other instance resumes with the text exact, and the chat goes on there', async () => {
    const first = await cluster.connect('resume@example.com');
    const one = await hello(first);
    cluster.upstream.enqueue({ steps: ANSWER_STEPS(LONG, 25) });
    first.send({ type: 'send', text: 'count for me' });
    const start = await first.next('message-start');
    await first.next((e) => e.type === 'delta' && first.textOf(start.id).includes('word10'));
    first.ws.terminate();
    const lastSeq = Math.max(...first.events.map((e) => e.seq));

    const second = await cluster.connect('resume@example.com');
    const two = await hello(second, { sessionId: one.ready.session.id, lastSeq });
    expect(two.instance).not.toBe(one.instance);
    const end = await second.next('message-end');
    expect(end).toMatchObject({ id: start.id, incomplete: false });
    expect(second.all('history')).toHaveLength(0); // resumed from its seq, not re-sent
    expect(deltasBySeq([first, second], start.id)).toBe(LONG);

    // The chat now runs where the reader is: the model gets the whole history, answer included.
    cluster.upstream.enqueue({ steps: ANSWER_STEPS('Next one.', 0) });
    second.send({ type: 'send', text: 'and then?' });
    expect((await second.next((e) => e.type === 'message-end' && e.id !== start.id)).incomplete).toBe(false);
    const sent = cluster.upstream.requests.at(-1)!.body.messages as Array<{ role: string; content: unknown }>;
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[2]!.content).toBe(LONG);
    second.close();
  });

  it('Stop sent to the other instance stops the answer where it runs', async () => {
    const first = await cluster.connect('stop@example.com');
    const one = await hello(first);
    cluster.upstream.enqueue({ steps: ANSWER_STEPS(LONG, 40).slice(0, 20), hang: true });
    first.send({ type: 'send', text: 'never ends' });
    const start = await first.next('message-start');
    await first.next('delta');
    const request = cluster.upstream.requests.at(-1);
    first.ws.terminate();
    const second = await cluster.connect('stop@example.com');
    const two = await hello(second, { sessionId: one.ready.session.id, lastSeq: Math.max(...first.events.map((e) => e.seq)) });
    expect(two.instance).not.toBe(one.instance);
    expect(two.ready.session.runningMessageId).toBe(start.id);
    second.send({ type: 'stop' });
    expect(await second.next('message-end')).toMatchObject({ id: start.id, finishReason: 'stopped', incomplete: true });
    await cluster.upstream.waitForAbortOf(request, 5000);
    second.close();
  });

  it('history written through one instance is read through the other', async () => {
    const listed = await Promise.all([0, 1].map(() => cluster.get('resume@example.com', '/api/conversations')));
    for (const res of listed) {
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text).items[0]).toMatchObject({ title: 'count for me', messageCount: 4 });
    }
  });

  it('a budget raced through both instances is never overshot', async () => {
    const clients = await Promise.all(RACERS.map((email) => cluster.connect(email)));
    const landed = await Promise.all(clients.map((c) => hello(c)));
    expect(new Set(landed.map((l) => l.instance)).size).toBe(2);
    const ends: Array<{ incomplete: boolean; error?: { code: string } }> = [];
    for (let round = 0; round < 2; round++) {
      for (const c of clients) c.send({ type: 'send', text: `round ${round}` });
      // Each client's `next` reads on from its previous answer, so round 2 waits for round 2's end.
      ends.push(...((await Promise.all(clients.map((c) => c.next('message-end')))) as unknown as typeof ends));
    }
    const answered = ends.filter((e) => !e.incomplete);
    expect(answered).toHaveLength(5);
    expect(ends.filter((e) => e.error?.code === 'BUDGET_EXCEEDED')).toHaveLength(RACERS.length * 2 - 5);
    for (const c of clients) c.close();
  });

  it('a rolling update (SIGTERM) hands the running answer to the other instance with nothing lost', async () => {
    const first = await cluster.connect('roll@example.com');
    const one = await hello(first);
    cluster.upstream.enqueue({ steps: ANSWER_STEPS(LONG, 30) });
    first.send({ type: 'send', text: 'keep going' });
    const start = await first.next('message-start');
    await first.next((e) => e.type === 'delta' && first.textOf(start.id).includes('word5'));
    const stopping = byName(one.instance).kill('SIGTERM');
    expect((await first.next('shutdown')).message).toMatch(/restarting/);
    await first.closed;
    const second = await cluster.connect('roll@example.com');
    const two = await hello(second, { sessionId: one.ready.session.id, lastSeq: Math.max(...first.events.map((e) => e.seq)) });
    expect(two.instance).not.toBe(one.instance);
    expect(await second.next('message-end')).toMatchObject({ id: start.id, incomplete: false });
    expect(deltasBySeq([first, second], start.id)).toBe(LONG);
    await stopping;
    second.send({ type: 'send', text: 'after the update' });
    expect((await second.next((e) => e.type === 'message-end' && e.id !== start.id)).incomplete).toBe(false);
    second.close();
    await byName(one.instance).restart();
  }, 60_000);

  it('SIGKILL of the instance running a turn leaves an incomplete message and the chat usable on the other', async () => {
    const first = await cluster.connect('crash@example.com');
    const one = await hello(first);
    cluster.upstream.enqueue({ steps: ANSWER_STEPS(LONG, 40).slice(0, 30), hang: true });
    first.send({ type: 'send', text: 'this will be cut' });
    const start = await first.next('message-start');
    await first.next((e) => e.type === 'delta' && first.textOf(start.id).includes('word8'));
    await new Promise((r) => setTimeout(r, 400)); // past the partial-save interval
    await byName(one.instance).kill('SIGKILL');
    await first.closed;

    const two = await reconnect(cluster, 'crash@example.com', { sessionId: one.ready.session.id, lastSeq: Math.max(...first.events.map((e) => e.seq)) });
    const second = two.client;
    expect(two.instance).not.toBe(one.instance);
    const history = await second.next('history');
    const cut = history.messages.find((m: { id: string }) => m.id === start.id);
    expect(cut).toMatchObject({ role: 'assistant', incomplete: true });
    expect(cut.text).toContain('word0');
    expect((await second.next('notice')).text).toMatch(/stopped/);
    const db = new pg.Client({ connectionString: cluster.postgres.url });
    await db.connect();
    try {
      const rows = await db.query(`SELECT details->>'incomplete' AS incomplete, text FROM messages WHERE id = $1`, [start.id]);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({ incomplete: 'true' });
      expect(rows.rows[0].text).toContain('word0');
    } finally {
      await db.end();
    }

    cluster.upstream.enqueue({ steps: ANSWER_STEPS('Back again.', 0) });
    second.send({ type: 'send', text: 'are you there?' });
    expect((await second.next((e) => e.type === 'message-end' && e.id !== start.id)).incomplete).toBe(false);
    second.close();
    await byName(one.instance).restart();
  }, 60_000);
});
