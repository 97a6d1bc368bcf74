import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/app.js';
import { SHARED_DATA_DIR, startGalaxy, type Galaxy } from '../support/galaxy.js';
import { ACCESS_ALL, PROBE, answer, call, freePort, startEverything, stopChild, waitForServer, writeMcpConfig } from './mcp-harness.js';

const CHILD_SECRET = 'probe-child-secret-value-0123456789';
const GALAXY_PROBE_VAR = 'GALAXY_MCP_TEST_PROBE';
// What the SDK's stdio transport always passes on (a minimal, non-secret set), besides the config's env.
const SDK_BASELINE = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

let dir: string;
let g: Galaxy;
let httpChild: ChildProcess | undefined;
let httpPort: number;
// A broken "MCP server" that echoes the request's Authorization header in its error body.
let echoServer: Server;
const ECHOED_TOKEN = 'echoed-header-token-0123456789';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-life-'));
  // A variable in Galaxy's own process environment: the stdio child must never see it.
  process.env[GALAXY_PROBE_VAR] = 'must-not-leak';
  httpPort = await freePort();
  httpChild = await startEverything('streamableHttp', httpPort);
  echoServer = createServer((req, res) => res.writeHead(500).end(`bad request with ${req.headers.authorization}`));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  const echoPort = (echoServer.address() as AddressInfo).port;
  const file = writeMcpConfig(
    dir,
    [
      'servers:',
      '  - id: probe',
      '    transport: stdio',
      '    command: node',
      `    args: ["${PROBE}"]`,
      '    timeout_ms: 800',
      '    env: { PROBE_TOKEN: "${PROBE_TOKEN}", PROBE_PLAIN: "plain" }',
      '  - id: remote',
      '    transport: streamable-http',
      `    url: http://127.0.0.1:${httpPort}/mcp`,
      '    tools: [echo]',
      '  - id: needs-var',
      '    transport: streamable-http',
      '    url: http://127.0.0.1:1/mcp',
      '    headers: { Authorization: "Bearer ${UNSET_MCP_TOKEN}" }',
      '  - id: echoes',
      '    transport: streamable-http',
      `    url: http://127.0.0.1:${echoPort}/mcp`,
      `    headers: { Authorization: "Bearer ${ECHOED_TOKEN}" }`,
      '',
    ].join('\n'),
  );
  g = await startGalaxy({
    accessYaml: ACCESS_ALL,
    env: { MCP_CONFIG_FILE: file, PROBE_TOKEN: CHILD_SECRET, THINKING_INTERVAL_MS: '100', MCP_PING_INTERVAL_MS: '200', MCP_RECONNECT_MAX_MS: '300', MCP_CONNECT_TIMEOUT_MS: '2000' },
  });
  await waitForServer(g, 'probe', 'connected');
  await waitForServer(g, 'remote', 'connected');
}, 40_000);

afterAll(async () => {
  delete process.env[GALAXY_PROBE_VAR];
  await g?.close();
  await stopChild(httpChild);
  await new Promise((resolve) => echoServer?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('stdio children', () => {
  it('get only the configured variables (plus the SDK baseline), never Galaxy’s; secrets are redacted from transcripts', async () => {
    const { client, ready } = await g.open({ email: 'env@example.com' });
    g.upstream.enqueue(call('v1', 'probe__env', {}), answer('Seen.'));
    client.send({ type: 'send', text: 'show env' });
    const result = await client.next('tool-result');
    // The page never sees a configured secret; the model's view of the result (the next request) keeps it.
    expect(result.content).not.toContain(CHILD_SECRET);
    await client.next('message-end');
    const toolMessage = g.upstream.requests.at(-1)!.body.messages.find((m: { role: string }) => m.role === 'tool');
    const childEnv = JSON.parse(toolMessage.content) as Record<string, string>;
    expect(childEnv.PROBE_PLAIN).toBe('plain');
    expect(childEnv.PROBE_TOKEN).toBe(CHILD_SECRET);
    expect(childEnv[GALAXY_PROBE_VAR]).toBeUndefined();
    for (const key of Object.keys(childEnv)) expect([...SDK_BASELINE, 'PROBE_TOKEN', 'PROBE_PLAIN']).toContain(key);
    const transcript = readFileSync(join(g.logsDir, `${ready.session.id}.jsonl`), 'utf8');
    expect(transcript).toContain('probe__env');
    expect(transcript).not.toContain(CHILD_SECRET);
    client.close();
  });
});

describe('timeouts and stop', () => {
  it('a call over the server timeout ends as TOOL_TIMEOUT, is cancelled on the server, and the next call works', async () => {
    const { client } = await g.open({ email: 'timeout@example.com' });
    g.upstream.enqueue(call('w1', 'probe__wait', { ms: 5000 }), call('w2', 'probe__wait', { ms: 10 }), call('c1', 'probe__cancellations', {}), answer('Ok.'));
    client.send({ type: 'send', text: 'wait too long' });
    expect(await client.next('tool-error', 5000)).toMatchObject({ callId: 'w1', code: 'TOOL_TIMEOUT' });
    expect(await client.next((e) => e.type === 'tool-result' && e.callId === 'w2')).toMatchObject({ content: 'waited 10 ms' });
    const counted = await client.next((e) => e.type === 'tool-result' && e.callId === 'c1');
    expect(counted.content).toBe('cancellations: 1');
    expect(counted.ui).toEqual({ type: 'table', columns: ['field', 'value'], rows: [['cancellations', 1]] });
    await client.next('message-end');
    client.close();
  });

  it('Stop cancels a running MCP call on its server', async () => {
    const { client } = await g.open({ email: 'stop@example.com' });
    g.upstream.enqueue(call('w3', 'probe__wait', { ms: 700 }));
    client.send({ type: 'send', text: 'wait' });
    await client.next('tool-call');
    await new Promise((resolve) => setTimeout(resolve, 250));
    client.send({ type: 'stop' });
    await client.next('message-end', 5000);
    g.upstream.enqueue(call('c2', 'probe__cancellations', {}), answer('Counted.'));
    client.send({ type: 'send', text: 'count' });
    expect(await client.next((e) => e.type === 'tool-result' && e.callId === 'c2')).toMatchObject({ content: 'cancellations: 2' });
    await client.next((e) => e.type === 'message-end' && client.all('message-end').length === 2);
    client.close();
  });
});

describe('tool list changes', () => {
  it('follows notifications/tools/list_changed: a tool added on the server appears in new chats', async () => {
    const before = await waitForServer(g, 'probe', 'connected');
    const { client } = await g.open({ email: 'grow@example.com' });
    g.upstream.enqueue(call('g1', 'probe__grow', {}), answer('Grown.'));
    client.send({ type: 'send', text: 'grow' });
    expect(await client.next('tool-result')).toMatchObject({ content: 'added grown' });
    await client.next('message-end');
    client.close();
    const deadline = Date.now() + 5000;
    let tools: string[] = [];
    while (Date.now() < deadline && !tools.includes('probe__grown')) {
      const { client: next, ready } = await g.open({ email: 'grow@example.com' });
      tools = ready.tools.map((t: any) => t.name);
      next.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(tools).toContain('probe__grown');
    expect(JSON.parse((await g.get('/ready')).text).mcpServers.probe.tools).toBe(before.tools + 1);
  });
});

describe('availability', () => {
  it('a server whose variables are unset is disabled with the reason', async () => {
    const ready = JSON.parse((await g.get('/ready')).text);
    expect(ready.mcpServers['needs-var']).toEqual({ status: 'disabled', reason: 'UNSET_MCP_TOKEN not set', tools: 0 });
  });

  it('never shows a configured secret that a failing server echoes back', async () => {
    const down = await waitForServer(g, 'echoes', 'unavailable');
    expect(down.reason).toContain('bad request with [REDACTED]');
    expect(down.reason).not.toContain(ECHOED_TOKEN);
  });

  it('killing the server makes its tools unavailable with a reason; they come back when it does', async () => {
    await stopChild(httpChild);
    const down = await waitForServer(g, 'remote', 'unavailable');
    expect(down.reason).toBeTruthy();
    const { client, ready } = await g.open({ email: 'outage@example.com' });
    expect(ready.tools.find((t: any) => t.name === 'remote__echo')).toMatchObject({ server: 'remote', available: false });
    g.upstream.enqueue(call('x1', 'remote__echo', { message: 'anyone?' }), answer('It is down.'));
    client.send({ type: 'send', text: 'echo' });
    expect(await client.next('tool-error')).toMatchObject({ callId: 'x1', code: 'TOOL_UNAVAILABLE' });
    await client.next('message-end');
    expect(g.upstream.requests.at(-2)!.body.tools.map((t: any) => t.function.name)).not.toContain('remote__echo');

    httpChild = await startEverything('streamableHttp', httpPort);
    await waitForServer(g, 'remote', 'connected');
    g.upstream.enqueue(call('x2', 'remote__echo', { message: 'back' }), answer('Back.'));
    client.send({ type: 'send', text: 'echo again' });
    expect(await client.next((e) => e.type === 'tool-result' && e.callId === 'x2')).toMatchObject({ content: 'Echo: back' });
    client.close();
  }, 30_000);
});

describe('configuration', () => {
  it('refuses to boot with a stdio command that is not allowed, naming it', async () => {
    const badDir = mkdtempSync(join(dir, 'bad-'));
    const file = writeMcpConfig(badDir, 'servers:\n  - id: shell\n    transport: stdio\n    command: bash\n    args: ["-c", "echo hi"]\n');
    const start = startServer({ env: { PORT: '0', LOG_LEVEL: 'silent', DISABLE_LLM_CALLS: 'true', MCP_CONFIG_FILE: file, DATA_DIR: SHARED_DATA_DIR, LOGS_DIR: join(badDir, 'logs') } });
    await expect(start).rejects.toMatchObject({ problems: [expect.stringContaining('command "bash" is not allowed (MCP_STDIO_COMMANDS allows: node, npx)')] });
  });
});
