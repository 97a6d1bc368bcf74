import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { GOOGLE_TOKEN, JOHN, MIA, MICROSOFT_MODEL_KEY, MICROSOFT_TOKEN, NOBODY, SAM, TENANTS_YAML, TENANT_ENV } from './tenants-fixture.js';
import { UPSTREAM_KEY } from '../support/galaxy.js';

let g: Galaxy;
const logLines: string[] = [];

beforeAll(async () => {
  const { default: pino } = await import('pino');
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  g = await startGalaxy({ tenantsYaml: TENANTS_YAML, env: { ...TENANT_ENV, HISTORY_PARTIAL_SAVE_MS: '100' }, logger });
});
afterAll(async () => g.close());

const names = (list: Array<{ name?: string; id?: string }>) => list.map((x) => x.name ?? x.id).sort();

describe('tenants: who sees what', () => {
  it('shows each person exactly their tenants, and the chat their tenant’s tools and data', async () => {
    const john = await g.open({ email: JOHN });
    expect(john.ready.tenants).toEqual([
      { id: 'google', name: 'Google' },
      { id: 'microsoft', name: 'Microsoft' },
    ]);
    expect(john.ready.session.tenant).toBe('google');
    expect(names(john.ready.tools)).toEqual(['basic_math', 'sql_query']);
    expect(john.ready.dataSources.map((d: { id: string }) => d.id)).toEqual(['sales']);
    john.client.ws.close();

    const sam = await g.open({ email: SAM });
    expect(sam.ready.tenants).toEqual([{ id: 'google', name: 'Google' }]);
    sam.client.ws.close();
    const mia = await g.open({ email: MIA });
    expect(mia.ready.tenants).toEqual([{ id: 'microsoft', name: 'Microsoft' }]);
    expect(names(mia.ready.tools)).toEqual(['basic_math', 'user_lookup']);
    mia.client.ws.close();
  });

  it('gives the internal employee a different tool set per chat by tenant, locked with the first message', async () => {
    const { client } = await g.open({ email: JOHN });
    client.send({ type: 'select-tenant', tenant: 'microsoft' });
    const scope = await client.next('scope');
    expect(scope.session.tenant).toBe('microsoft');
    expect(names(scope.tools)).toEqual(['basic_math', 'user_lookup']);
    expect(scope.session.tools.sort()).toEqual(['basic_math', 'user_lookup']);
    expect(scope.dataSources.map((d: { id: string }) => d.id)).toEqual(['directory']);
    g.upstream.enqueue(scriptFromChunks(answerChunks('Hello Microsoft')));
    client.send({ type: 'send', text: 'Hi' });
    await client.next('message-end');
    const request = g.upstream.requests.at(-1)!;
    expect(request.body.messages[0].content).toContain('You are assisting Microsoft staff.');
    expect(request.body.messages[0].content).not.toContain('Google');
    expect(request.body.tools.map((t: { function: { name: string } }) => t.function.name).sort()).toEqual(['basic_math', 'user_lookup']);
    // Microsoft's own provider key, not the operator's, for Microsoft's chats.
    expect(request.headers.authorization).toBe(`Bearer ${MICROSOFT_MODEL_KEY}`);
    client.send({ type: 'select-tenant', tenant: 'google' });
    expect((await client.next('error')).code).toBe('SELECTION_LOCKED');
    client.ws.close();
  });

  it('refuses a person in no tenant with a clear page and close reason', async () => {
    const page = await g.get('/', { 'X-EMAIL-USER': NOBODY, Accept: 'text/html' });
    expect(page.status).toBe(403);
    expect(page.text).toContain('NO_TENANT');
    expect(page.text).toContain('not a member of any');
    const client = await g.connect({ email: NOBODY });
    client.send({ type: 'hello', v: 1 });
    const error = await client.next('error');
    expect(error.code).toBe('NO_TENANT');
    expect(await client.closed).toEqual({ code: 4006, reason: 'no tenant' });
  });
});

describe('tenants: every crossing is tried and refused', () => {
  it('a client user cannot select another tenant, nor its tools or data sources', async () => {
    const { client } = await g.open({ email: SAM });
    client.send({ type: 'select-tenant', tenant: 'microsoft' });
    expect((await client.next('error')).code).toBe('FORBIDDEN');
    client.send({ type: 'select-tools', tools: ['user_lookup'], dataSources: [] });
    expect((await client.next('error')).code).toBe('FORBIDDEN');
    client.send({ type: 'select-tools', tools: ['sql_query'], dataSources: ['directory'] });
    expect((await client.next('error')).code).toBe('FORBIDDEN');
    client.ws.close();
  });

  it('a tool or data source of another tenant named in a call is refused', async () => {
    const { client } = await g.open({ email: SAM, hello: { } });
    client.send({ type: 'new-chat' });
    await client.next('ready');
    g.upstream.enqueue(
      scriptFromChunks(toolCallAnswerChunks({ id: 'c1', name: 'user_lookup', arguments: '{"query":"mia"}' })),
      scriptFromChunks(answerChunks('Could not look that up.')),
      scriptFromChunks(toolCallAnswerChunks({ id: 'c2', name: 'sql_query', arguments: '{"data_source":"directory","query":"SELECT 1"}' })),
      scriptFromChunks(answerChunks('Not allowed either.')),
    );
    client.send({ type: 'send', text: 'Look up Mia' });
    expect((await client.next('tool-error')).code).toBe('TOOL_UNKNOWN');
    await client.next('message-end');
    client.send({ type: 'send', text: 'Query the directory' });
    const refused = await client.next((e) => e.type === 'tool-result' || e.type === 'tool-error');
    expect(refused).toMatchObject({ type: "tool-error", code: "TOOL_FORBIDDEN" });
    await client.next('message-end');
    client.ws.close();
  });

  it('a client user cannot open or export another tenant’s chat', async () => {
    const mia = await g.open({ email: MIA });
    g.upstream.enqueue(scriptFromChunks(answerChunks('Microsoft only')));
    mia.client.send({ type: 'send', text: 'Microsoft business' });
    await mia.client.next('message-end');
    expect(g.upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${MICROSOFT_MODEL_KEY}`);
    const chatId = mia.ready.session.id;
    mia.client.ws.close();

    const sam = await g.open({ email: SAM });
    sam.client.send({ type: 'open-chat', conversationId: chatId });
    expect((await sam.client.next('error')).code).toBe('NOT_FOUND');
    sam.client.ws.close();
    for (const path of [`/api/conversations/${chatId}`, `/api/conversations/${chatId}/export.json`, `/api/sessions/${chatId}/export.txt`]) {
      expect((await g.get(path, { 'X-EMAIL-USER': SAM })).status).toBe(404);
    }
    const listed = JSON.parse((await g.get('/api/conversations', { 'X-EMAIL-USER': SAM })).text);
    expect(listed.items.map((c: { id: string }) => c.id)).not.toContain(chatId);
    const own = JSON.parse((await g.get(`/api/conversations/${chatId}`, { 'X-EMAIL-USER': MIA })).text);
    expect(own.conversation).toMatchObject({ tenant: 'microsoft', tenantName: 'Microsoft' });
  });
});

describe('tenants: credentials never leave', () => {
  it('keeps every tenant secret out of frames, transcripts, exports and the log', async () => {
    const { client, ready } = await g.open({ email: JOHN });
    client.send({ type: 'new-chat' });
    const fresh = await client.next('ready');
    // A new chat keeps the tenant of the one before (Microsoft); this one works for Google.
    expect(fresh.session.tenant).toBe('microsoft');
    client.send({ type: 'select-tenant', tenant: 'google' });
    await client.next('scope');
    // An upstream echoing both secrets (say, a prompt-injected tool result repeated back).
    g.upstream.enqueue(scriptFromChunks(answerChunks(`Keys: ${GOOGLE_TOKEN} and ${MICROSOFT_TOKEN} done`)));
    client.send({ type: 'send', text: 'What are the keys?' });
    await client.next('message-end');
    // Google has no key of its own: the operator's configured key.
    expect(g.upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    await g.server.ctx.sessions.get(fresh.session.id, JOHN)?.flushRecords();
    const frames = JSON.stringify(client.events);
    expect(frames).toContain('[REDACTED]');
    const exported = await g.get(`/api/conversations/${fresh.session.id}/export.json`, { 'X-EMAIL-USER': JOHN });
    const transcripts = readdirSync(g.logsDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(g.logsDir, f), 'utf8'))
      .join('\n');
    expect(transcripts).toContain('"audit"');
    for (const secret of [GOOGLE_TOKEN, MICROSOFT_TOKEN, MICROSOFT_MODEL_KEY]) {
      expect(frames).not.toContain(secret);
      expect(exported.text).not.toContain(secret);
      expect(transcripts).not.toContain(secret);
      expect(logLines.join('\n')).not.toContain(secret);
    }
    expect(ready.session.id).not.toBe(fresh.session.id);
    client.ws.close();
  });

  it('writes an audit line for each tenant choice and tool call', async () => {
    const audits = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit);
    expect(audits.some((a) => a.audit === 'tenant-selected' && a.tenant === 'microsoft' && a.user === JOHN)).toBe(true);
    expect(audits.some((a) => a.audit === 'tool-call' && a.tenant === 'google' && a.tool === 'user_lookup' && a.outcome === 'TOOL_UNKNOWN')).toBe(true);
  });
});
