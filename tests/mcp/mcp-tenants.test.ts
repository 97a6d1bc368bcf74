import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { PROBE, answer, call, waitForServer, writeMcpConfig } from './mcp-harness.js';

/** One MCP server definition, run per tenant with that tenant's credential (`${tenant.JIRA_TOKEN}`). */
const GOOGLE = 'google-jira-secret-5c1f0e9b7a';
const MICROSOFT = 'microsoft-jira-secret-8d2a6b4c3e';
const fingerprint = (token: string) => `token fingerprint: ${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;

/** The operator allows everything; the tenants decide (access.yml can only narrow them). */
const ACCESS = `
groups:
  everyone:
    match: ["*"]
    models: ["*"]
    tools: ["*"]
    data_sources: ["*"]
`;

const TENANTS = `
tenants:
  - id: google
    members: ["*@google.example", "john@company.example"]
    tools: [basic_math]
    mcp_servers: [jira]
    credentials: { JIRA_TOKEN: "\${GOOGLE_JIRA}" }
  - id: microsoft
    members: ["*@microsoft.example", "john@company.example"]
    tools: [basic_math]
    mcp_servers: [jira]
    credentials: { JIRA_TOKEN: "\${MICROSOFT_JIRA}" }
  - id: smallco
    members: ["*@small.example"]
    tools: [basic_math]
`;

let dir: string;
let g: Galaxy;
const logText: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-tenants-'));
  const file = writeMcpConfig(dir, `servers:\n  - id: jira\n    transport: stdio\n    command: node\n    args: ["${PROBE}"]\n    env: { JIRA_TOKEN: "\${tenant.JIRA_TOKEN}" }\n`);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logText.push(chunk.toString());
      done();
    },
  });
  g = await startGalaxy({ tenantsYaml: TENANTS, accessYaml: ACCESS, logger: createLogger('info', sink), env: { MCP_CONFIG_FILE: file, GOOGLE_JIRA: GOOGLE, MICROSOFT_JIRA: MICROSOFT } });
  await Promise.all([waitForServer(g, 'jira@google', 'connected'), waitForServer(g, 'jira@microsoft', 'connected')]);
}, 40_000);

afterAll(async () => {
  await g?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function chatCall(email: string, tool: string) {
  const { client } = await g.open({ email });
  // A fresh chat each time: joining the person's current one would replay its earlier events.
  client.send({ type: 'new-chat' });
  await client.next('ready');
  g.upstream.enqueue(call('c1', tool, {}), answer('done'));
  client.send({ type: 'send', text: `call ${tool}` });
  const result = await client.next((e) => e.type === 'tool-result' || e.type === 'tool-error');
  await client.next('message-end');
  client.ws.close();
  const toolMessage = g.upstream.requests.at(-1)!.body.messages.findLast((m: { role: string }) => m.role === 'tool');
  return { result, client, modelSaw: String(toolMessage?.content ?? '') };
}

async function gateway(email: string): Promise<Client> {
  const client = new Client({ name: 'tenant-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${g.httpUrl}/mcp`), { requestInit: { headers: { 'X-EMAIL-USER': email } } }));
  return client;
}

describe('per-tenant MCP credentials', () => {
  it('hands the Google chat’s call Google’s token and the Microsoft chat’s call Microsoft’s', async () => {
    const google = await chatCall('sam@google.example', 'jira__fingerprint');
    expect(google.result.type).toBe('tool-result');
    expect(google.modelSaw).toBe(fingerprint(GOOGLE));
    const microsoft = await chatCall('mia@microsoft.example', 'jira__fingerprint');
    expect(microsoft.modelSaw).toBe(fingerprint(MICROSOFT));
  });

  it('keeps the token itself out of frames even when the server echoes it', async () => {
    const { result, client, modelSaw } = await chatCall('sam@google.example', 'jira__env');
    expect(modelSaw).toContain(GOOGLE);
    expect(modelSaw).not.toContain(MICROSOFT);
    expect(JSON.stringify(result)).toContain('[REDACTED]');
    expect(JSON.stringify(client.events)).not.toContain(GOOGLE);
  });

  it('gives a tenant without the server no such tool', async () => {
    const { result } = await chatCall('kim@small.example', 'jira__fingerprint');
    expect(result).toMatchObject({ type: 'tool-error', code: 'TOOL_UNKNOWN' });
  });

  it('serves each gateway caller only their tenants’ instances, with their credentials', async () => {
    const sam = await gateway('sam@google.example');
    const samTools = (await sam.listTools()).tools.map((t) => t.name);
    expect(samTools).toContain('jira__fingerprint');
    const samResult = await sam.callTool({ name: 'jira__fingerprint', arguments: {} });
    expect(samResult.content).toEqual([{ type: 'text', text: fingerprint(GOOGLE) }]);
    const crossing = await sam.callTool({ name: 'microsoft__jira__fingerprint', arguments: {} });
    expect(crossing.isError).toBe(true);
    await sam.close();

    const john = await gateway('john@company.example');
    const johnTools = (await john.listTools()).tools.map((t) => t.name);
    expect(johnTools).toEqual(expect.arrayContaining(['google__jira__fingerprint', 'microsoft__jira__fingerprint', 'google__basic_math']));
    const viaMicrosoft = await john.callTool({ name: 'microsoft__jira__fingerprint', arguments: {} });
    expect(viaMicrosoft.content).toEqual([{ type: 'text', text: fingerprint(MICROSOFT) }]);
    const echoed = await john.callTool({ name: 'google__jira__env', arguments: {} });
    expect(JSON.stringify(echoed.content)).not.toContain(GOOGLE);
    await john.close();
  });

  it('writes no token to any log line or transcript', async () => {
    // Everything recorded so far is on disk once every chat's sinks have flushed.
    await Promise.all(g.server.ctx.sessions.all().map((session) => session.flushRecords()));
    const transcripts = readdirSync(g.logsDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(g.logsDir, f), 'utf8'))
      .join('\n');
    expect(transcripts.length).toBeGreaterThan(0);
    for (const token of [GOOGLE, MICROSOFT]) {
      expect(transcripts).not.toContain(token);
      expect(logText.join('')).not.toContain(token);
    }
    expect(logText.join('')).toContain('"audit":"tool-call"');
  });
});
