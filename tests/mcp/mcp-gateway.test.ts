import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { PROBE, waitForServer, writeMcpConfig } from './mcp-harness.js';

const TOKEN = 'gateway-client-token-0123456789abcdef';
const ACCESS = `
groups:
  staff:
    match: ["*@example.com"]
    models: ["*"]
    tools: ["*"]
    data_sources: ["*"]
  guests:
    match: ["*@guest.example.org"]
    models: ["*"]
    tools: [basic_math, "probe__*"]
    data_sources: []
`;

let dir: string;
let g: Galaxy;
let untrusted: Galaxy;
const logLines: any[] = [];

async function gatewayClient(email: string, token: string | undefined = TOKEN): Promise<Client> {
  const headers: Record<string, string> = { 'X-EMAIL-USER': email };
  if (token) headers.Authorization = `Bearer ${token}`;
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${g.httpUrl}/mcp`), { requestInit: { headers } }));
  return client;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-gw-'));
  const file = writeMcpConfig(
    dir,
    `servers:\n  - id: probe\n    transport: stdio\n    command: node\n    args: ["${PROBE}"]\n    timeout_ms: 500\ngateway:\n  clients:\n    - name: claude-code\n      token: "\${GW_TOKEN}"\n`,
  );
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  g = await startGalaxy({ accessYaml: ACCESS, logger: createLogger('info', sink), env: { MCP_CONFIG_FILE: file, GW_TOKEN: TOKEN } });
  untrusted = await startGalaxy({ accessYaml: ACCESS, env: { TRUSTED_PROXIES: '10.0.0.0/8' } });
  await waitForServer(g, 'probe', 'connected');
}, 30_000);

afterAll(async () => {
  await g?.close();
  await untrusted?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/mcp gateway', () => {
  it('lists only the tools the caller may use, built-in and MCP, by their gateway names', async () => {
    const staff = await gatewayClient('alice@example.com');
    const names = (await staff.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['basic_math', 'code_execution', 'probe__cancellations', 'probe__env', 'probe__fingerprint', 'probe__grow', 'probe__wait', 'sql_query', 'user_lookup']);
    await staff.close();
    const guest = await gatewayClient('visitor@guest.example.org');
    const listed = (await guest.listTools()).tools;
    expect(listed.map((t) => t.name).sort()).toEqual(['basic_math', 'probe__cancellations', 'probe__env', 'probe__fingerprint', 'probe__grow', 'probe__wait']);
    expect(listed.find((t) => t.name === 'probe__wait')!.inputSchema.properties).toHaveProperty('ms');
    await guest.close();
  });

  it('calls tools through the same guard and writes an audit line', async () => {
    const client = await gatewayClient('alice@example.com');
    const math = await client.callTool({ name: 'basic_math', arguments: { expression: '6 * 7' } });
    expect(math).toMatchObject({ content: [{ type: 'text', text: '6 * 7 = 42' }] });
    const slow = await client.callTool({ name: 'probe__wait', arguments: { ms: 3000 } });
    expect(slow.isError).toBe(true);
    expect((slow.content as any)[0].text).toMatch(/^Error \(TOOL_TIMEOUT\)/);
    const bad = await client.callTool({ name: 'probe__wait', arguments: { ms: 'soon' } });
    expect((bad.content as any)[0].text).toMatch(/^Error \(TOOL_BAD_ARGUMENTS\)/);
    await client.close();
    const audit = logLines.filter((l) => l.audit === 'mcp-gateway' && l.msg === 'mcp gateway tool call');
    expect(audit.map((l) => [l.user, l.client, l.tool, l.ok, l.code])).toEqual([
      ['alice@example.com', 'claude-code', 'basic_math', true, undefined],
      ['alice@example.com', 'claude-code', 'probe__wait', false, 'TOOL_TIMEOUT'],
      ['alice@example.com', 'claude-code', 'probe__wait', false, 'TOOL_BAD_ARGUMENTS'],
    ]);
  });

  it('re-checks access on every call: a tool not granted is refused even when named directly', async () => {
    const guest = await gatewayClient('visitor@guest.example.org');
    const result = await guest.callTool({ name: 'code_execution', arguments: { code: 'print(1)' } });
    expect(result.isError).toBe(true);
    expect((result.content as any)[0].text).toMatch(/^Error \(TOOL_FORBIDDEN\)/);
    await guest.close();
  });

  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  const post = (galaxy: Galaxy, headers: Record<string, string>, body = initialize) =>
    fetch(`${galaxy.httpUrl}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body });

  it('refuses a missing identity (401), an untrusted peer (403) and a missing or wrong client token (401) before reading the body', async () => {
    const notJson = 'this is not JSON-RPC';
    const missing = await post(g, { Authorization: `Bearer ${TOKEN}` }, notJson);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe('UNAUTHENTICATED');
    const peer = await post(untrusted, { 'X-EMAIL-USER': 'alice@example.com' }, notJson);
    expect(peer.status).toBe(403);
    expect((await peer.json()).error.code).toBe('UNTRUSTED_PEER');
    const noToken = await post(g, { 'X-EMAIL-USER': 'alice@example.com' }, notJson);
    expect(noToken.status).toBe(401);
    expect((await noToken.json()).error.code).toBe('GATEWAY_TOKEN');
    const wrongToken = await post(g, { 'X-EMAIL-USER': 'alice@example.com', Authorization: 'Bearer not-the-token' });
    expect(wrongToken.status).toBe(401);
    const get = await fetch(`${g.httpUrl}/mcp`, { headers: { Accept: 'text/event-stream' } });
    expect(get.status).toBe(401);
  });

  it('answers GET and DELETE with 405 for an authenticated caller, and caps the body', async () => {
    const headers = { 'X-EMAIL-USER': 'alice@example.com', Authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${g.httpUrl}/mcp`, { headers })).status).toBe(405);
    expect((await fetch(`${g.httpUrl}/mcp`, { method: 'DELETE', headers })).status).toBe(405);
    const huge = await post(g, headers, JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
  });
});
