import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import type { TestClient } from '../support/ws-client.js';

const YAML = `
admins: ["ops@company.example"]
tenants:
  - id: rush
    name: Rush Ltd
    members: ["*@rush.example"]
    budget: { monthly_requests: 3 }
  - id: words
    name: Words Inc
    members: ["*@words.example"]
    budget: { monthly_output_tokens: 25, warn_at: 0.5 }
  - id: loop
    name: Loop Co
    members: ["*@loop.example"]
    tools: [basic_math]
    budget: { monthly_requests: 100 }
  - id: edge
    name: Edge GmbH
    members: ["*@edge.example"]
    budget: { monthly_requests: 1 }
`;

const clock = { now: new Date('2026-03-31T21:30:00Z') }; // 23:30 in Berlin
let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ tenantsYaml: YAML, env: { BUDGET_TIMEZONE: 'Europe/Berlin', BUDGET_DEFAULT_OUTPUT_TOKENS: '10' }, clock: () => clock.now });
});
afterAll(async () => g.close());

async function sendAndEnd(client: TestClient, text: string) {
  client.send({ type: 'send', text });
  return client.next('message-end');
}

const status = async (email: string) => JSON.parse((await g.get('/api/usage', { 'X-EMAIL-USER': email })).text).tenants[0].budget;

describe('exact monthly budgets', () => {
  it('lets exactly 3 of 20 people sending at the same moment reach the provider', async () => {
    const opened = await Promise.all(Array.from({ length: 20 }, (_, i) => g.open({ email: `p${i}@rush.example` })));
    const before = g.upstream.requests.length;
    for (const { client } of opened) client.send({ type: 'send', text: 'Go' });
    const ends = await Promise.all(opened.map(({ client }) => client.next('message-end')));
    expect(g.upstream.requests.length - before).toBe(3);
    const refused = ends.filter((e) => e.error?.code === 'BUDGET_EXCEEDED');
    expect(refused).toHaveLength(17);
    expect(refused[0]!.error).toMatchObject({ tenant: 'rush', resetsAt: '2026-03-31T22:00:00.000Z' });
    expect(refused[0]!.error.message).toMatch(/Rush Ltd has used its monthly budget of requests/);
    expect((await status('p0@rush.example')).used.requests).toBe(3);
    for (const { client } of opened) client.ws.close();
  });

  it('sends the shrunk output cap and refuses before the provider when output tokens are used up, warning once', async () => {
    const { client } = await g.open({ email: 'w@words.example' });
    const ten = 'one two three four five six seven eight nine ten';
    g.upstream.enqueue(scriptFromChunks(answerChunks(ten)), scriptFromChunks(answerChunks(ten)), scriptFromChunks(answerChunks('one two three four five')));
    await sendAndEnd(client, 'a');
    await sendAndEnd(client, 'b');
    // 20 of 25 is past warn_at 0.5 (10 of 25 was not).
    const warning = client.events.find((e) => e.type === 'budget-warning');
    expect(warning).toMatchObject({ tenant: 'words', dimension: 'outputTokens', used: 20, limit: 25 });
    await sendAndEnd(client, 'c');
    const sent = g.upstream.requests.slice(-3).map((r) => r.body.max_tokens);
    expect(sent).toEqual([10, 10, 5]);
    const before = g.upstream.requests.length;
    const end = await sendAndEnd(client, 'd');
    expect(end.error.code).toBe('BUDGET_EXCEEDED');
    expect(g.upstream.requests.length).toBe(before);
    expect(client.events.filter((e) => e.type === 'budget-warning')).toHaveLength(1);
    expect((await status('w@words.example')).used.outputTokens).toBe(25);
    client.ws.close();
  });

  it('settles stopped, failed and tool-loop calls to their real usage', async () => {
    const { client } = await g.open({ email: 'l@loop.example' });
    g.upstream.enqueue(scriptFromChunks(toolCallAnswerChunks({ id: 't1', name: 'basic_math', arguments: '{"expression":"2+2"}' })), scriptFromChunks(answerChunks('It is 4')));
    await sendAndEnd(client, 'What is 2+2?');
    // Both rounds, as the provider reported them: 10 + 10 in; 4 (the call's fragments) + 3 (the words) out.
    expect((await status('l@loop.example')).used).toEqual({ requests: 2, inputTokens: 20, outputTokens: 4 + 3 });

    g.upstream.enqueue({ status: 500, headers: { 'retry-after-ms': '0' } }, { status: 500, headers: { 'retry-after-ms': '0' } }, { status: 500, headers: { 'retry-after-ms': '0' } });
    const failed = await sendAndEnd(client, 'fail please');
    expect(failed.error).toBeDefined();
    const afterFail = await status('l@loop.example');
    expect(afterFail.used.requests).toBe(3);

    g.upstream.enqueue({ ...scriptFromChunks(answerChunks('slow words that keep coming and coming'), { delayMs: 300 }) });
    client.send({ type: 'send', text: 'stop me' });
    await client.next('delta');
    client.send({ type: 'stop' });
    const stopped = await client.next('message-end');
    expect(stopped.incomplete).toBe(true);
    const afterStop = await status('l@loop.example');
    expect(afterStop.used.requests).toBe(4);
    // The stopped call counted what it streamed, not its reserved cap of 10.
    expect(afterStop.used.outputTokens - afterFail.used.outputTokens).toBeGreaterThan(0);
    expect(afterStop.used.outputTokens - afterFail.used.outputTokens).toBeLessThan(10);
    client.ws.close();
  });

  it('resets at the month boundary in BUDGET_TIMEZONE, and a restart keeps the month’s totals', async () => {
    let { client } = await g.open({ email: 'e@edge.example' });
    expect((await sendAndEnd(client, 'one')).error).toBeUndefined();
    client.ws.close();
    await g.stop();
    g = await startGalaxy({ dir: g.dir, tenantsYaml: YAML, env: { BUDGET_TIMEZONE: 'Europe/Berlin', BUDGET_DEFAULT_OUTPUT_TOKENS: '10' }, clock: () => clock.now });
    ({ client } = await g.open({ email: 'e@edge.example' }));
    expect((await sendAndEnd(client, 'two')).error.code).toBe('BUDGET_EXCEEDED');
    clock.now = new Date('2026-03-31T22:00:01Z'); // 1 April in Berlin
    expect((await sendAndEnd(client, 'three')).error).toBeUndefined();
    expect(await status('e@edge.example')).toMatchObject({ month: '2026-04', used: { requests: 1 }, limits: { requests: 1 } });
    client.ws.close();
  });
});

describe('usage reports', () => {
  it('gives admins every tenant by user and model as JSON and CSV, and everyone else 403', async () => {
    const month = '2026-03';
    const admin = { 'X-EMAIL-USER': 'ops@company.example' };
    const json = await g.get(`/api/admin/usage?month=${month}`, admin);
    expect(json.status).toBe(200);
    const report = JSON.parse(json.text);
    expect(report.tenants.map((t: { id: string }) => t.id)).toEqual(['rush', 'words', 'loop', 'edge']);
    const rush = report.tenants[0];
    expect(rush.totals.requests).toBe(3);
    expect(rush.rows.every((r: { model: string }) => r.model === 'fake')).toBe(true);
    const csv = await g.get(`/api/admin/usage?month=${month}&format=csv`, admin);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('month,tenant,user,model,requests,input_tokens,output_tokens,estimated_calls');
    expect(lines.filter((l) => l.includes(',rush,'))).toHaveLength(3);
    expect((await g.get(`/api/admin/usage?month=${month}`, { 'X-EMAIL-USER': 'p1@rush.example' })).status).toBe(403);
    expect((await g.get(`/api/admin/usage?month=nope`, admin)).status).toBe(400);
  });
});
