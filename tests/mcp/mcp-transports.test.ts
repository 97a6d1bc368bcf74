import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { ACCESS_ALL, EVERYTHING, answer, call, freePort, startEverything, stopChild, waitForServer, writeMcpConfig } from './mcp-harness.js';

/** The real server-everything over each transport, driven through a chat by the fake upstream. */
const TRANSPORTS = [
  { transport: 'stdio', mode: undefined },
  { transport: 'sse', mode: 'sse' },
  { transport: 'streamable-http', mode: 'streamableHttp' },
] as const;

describe.each(TRANSPORTS)('server-everything over $transport', ({ transport, mode }) => {
  let g: Galaxy;
  let child: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-'));
    let entry: string;
    if (mode) {
      const port = await freePort();
      child = await startEverything(mode, port);
      const url = mode === 'sse' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`;
      entry = `    transport: ${transport}\n    url: ${url}`;
    } else {
      entry = `    transport: stdio\n    command: node\n    args: ["${EVERYTHING}", "stdio"]`;
    }
    const file = writeMcpConfig(dir, `servers:\n  - id: ev\n${entry}\n    timeout_ms: 20000\n    tools: [echo, get-sum, trigger-long-running-operation, get-tiny-image, get-structured-content]\n`);
    g = await startGalaxy({ accessYaml: ACCESS_ALL, env: { MCP_CONFIG_FILE: file, THINKING_INTERVAL_MS: '100' } });
    await waitForServer(g, 'ev', 'connected');
  }, 40_000);

  afterAll(async () => {
    await g?.close();
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the allowed tools with their server in ready.tools', async () => {
    const { client, ready } = await g.open({ email: `list-${transport}@example.com` });
    const mcpTools = ready.tools.filter((t: any) => t.server === 'ev').map((t: any) => t.name).sort();
    expect(mcpTools).toEqual(['ev__echo', 'ev__get-structured-content', 'ev__get-sum', 'ev__get-tiny-image', 'ev__trigger-long-running-operation']);
    expect(ready.tools.find((t: any) => t.name === 'basic_math').server).toBeUndefined();
    client.close();
  });

  it('calls echo and get-sum in a chat and feeds the results back to the model', async () => {
    const { client } = await g.open({ email: `calls-${transport}@example.com` });
    g.upstream.enqueue(call('e1', 'ev__echo', { message: 'hello mcp' }), call('s1', 'ev__get-sum', { a: 2, b: 40 }), answer('Done.'));
    client.send({ type: 'send', text: 'use the tools' });
    expect(await client.next('tool-result')).toMatchObject({ callId: 'e1', content: 'Echo: hello mcp' });
    expect(await client.next((e) => e.type === 'tool-result' && e.callId === 's1')).toMatchObject({ content: 'The sum of 2 and 40 is 42.' });
    await client.next('message-end');
    const sent = g.upstream.requests.at(-1)!.body;
    expect(sent.tools.map((t: any) => t.function.name)).toContain('ev__get-sum');
    expect(sent.tools.find((t: any) => t.function.name === 'ev__get-sum').function.parameters.properties).toHaveProperty('a');
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 's1', content: 'The sum of 2 and 40 is 42.' });
    client.close();
  });

  it('refuses arguments that fail the server schema before calling it', async () => {
    const { client } = await g.open({ email: `bad-${transport}@example.com` });
    g.upstream.enqueue(call('b1', 'ev__get-sum', { a: 'two' }), answer('Oops.'));
    client.send({ type: 'send', text: 'bad args' });
    const error = await client.next('tool-error');
    expect(error).toMatchObject({ callId: 'b1', code: 'TOOL_BAD_ARGUMENTS' });
    await client.next('message-end');
    client.close();
  });

  it('shows progress of the long-running operation on the status line', async () => {
    const { client } = await g.open({ email: `progress-${transport}@example.com` });
    g.upstream.enqueue(call('l1', 'ev__trigger-long-running-operation', { duration: 1.5, steps: 3 }), answer('Finished.'));
    client.send({ type: 'send', text: 'long job' });
    const status = await client.next((e) => e.type === 'status' && /step \d\/3/.test(e.text), 10_000);
    expect(status.tool).toBe('ev__trigger-long-running-operation');
    expect(status.text).toMatch(/^Running ev__trigger-long-running-operation… \d+ s — step [123]\/3$/);
    expect((await client.next('tool-result', 10_000)).content).toContain('Long running operation completed');
    await client.next('message-end');
    client.close();
  });

  it('returns images as an image view and structured content as a table', async () => {
    const { client } = await g.open({ email: `rich-${transport}@example.com` });
    g.upstream.enqueue(call('i1', 'ev__get-tiny-image', {}), call('t1', 'ev__get-structured-content', { location: 'New York' }), answer('Rich.'));
    client.send({ type: 'send', text: 'rich results' });
    const image = await client.next((e) => e.type === 'tool-result' && e.callId === 'i1');
    expect(image.ui).toMatchObject({ type: 'image' });
    expect(image.ui.src).toMatch(/^data:image\/png;base64,/);
    const table = await client.next((e) => e.type === 'tool-result' && e.callId === 't1');
    expect(table.ui).toMatchObject({ type: 'table', columns: ['field', 'value'] });
    await client.next('message-end');
    client.close();
  });
});
