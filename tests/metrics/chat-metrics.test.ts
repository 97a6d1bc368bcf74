import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { startGalaxy } from '../support/galaxy.js';
import { ACCESS_ALL, PROBE, answer, call, waitForServer, writeMcpConfig } from '../mcp/mcp-harness.js';

/** A real server: a chat with a tool call and a budget refusal, then a scrape of /metrics. */

const TENANTS = `
tenants:
  - id: lab
    name: Lab
    members: ["*@lab.example"]
    tools: [basic_math]
    budget: { monthly_requests: 3 }
  - id: open
    name: Open
    members: ["*@open.example"]
`;

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
};

describe('/metrics after a chat', () => {
  it('shows turns, tokens by tenant, first-token and answer times, the tool call, the budget refusal and what is left', async () => {
    const g = await startGalaxy({ tenantsYaml: TENANTS });
    onTestFinished(() => g.close());
    const { client } = await g.open({ email: 'kim@lab.example' });
    client.send({ type: 'select-tools', tools: ['basic_math'], dataSources: [] });
    await client.next('selection');

    // Turn 1: a tool call (10 in, 4 out, no text) and the answer after it (25 in, 3 out).
    g.upstream.enqueue(scriptFromChunks(toolCallAnswerChunks({ id: 't1', name: 'basic_math', arguments: '{"expression":"2+2"}' })), scriptFromChunks(answerChunks('It is 4', { promptTokens: 25 })));
    client.send({ type: 'send', text: 'What is 2+2?' });
    await client.next('tool-result');
    expect((await client.next('message-end')).error).toBeUndefined();
    // Turn 2 uses the third and last request of the month (40 in, 3 out).
    g.upstream.enqueue(scriptFromChunks(answerChunks('one two three', { promptTokens: 40 })));
    client.send({ type: 'send', text: 'Count to three' });
    expect((await client.next('message-end')).error).toBeUndefined();
    // Turn 3 is refused before the provider.
    const upstreamCalls = g.upstream.requests.length;
    client.send({ type: 'send', text: 'And once more' });
    expect((await client.next('message-end')).error.code).toBe('BUDGET_EXCEEDED');
    expect(g.upstream.requests.length).toBe(upstreamCalls);

    const scrape = await g.get('/metrics', {});
    expect(scrape.status).toBe(200);
    const text = scrape.text;
    expect(sample(text, 'galaxy_turns_total{model="fake",outcome="done"}')).toBe(2);
    expect(sample(text, 'galaxy_turns_total{model="fake",outcome="error"}')).toBe(1);
    expect(sample(text, 'galaxy_answer_duration_seconds_count{model="fake"}')).toBe(3);
    expect(sample(text, 'galaxy_answer_duration_seconds_sum{model="fake"}')).toBeGreaterThan(0);
    // Only the two calls that streamed text had a first token; the tool-call round had none.
    expect(sample(text, 'galaxy_time_to_first_token_seconds_count{model="fake"}')).toBe(2);
    expect(sample(text, 'galaxy_tokens_total{model="fake",tenant="lab",direction="input"}')).toBe(10 + 25 + 40);
    expect(sample(text, 'galaxy_tokens_total{model="fake",tenant="lab",direction="output"}')).toBe(4 + 3 + 3);
    expect(sample(text, 'galaxy_tool_calls_total{tool="basic_math",outcome="ok"}')).toBe(1);
    expect(sample(text, 'galaxy_budget_refusals_total{tenant="lab"}')).toBe(1);
    expect(sample(text, 'galaxy_budget_remaining{tenant="lab",dimension="requests"}')).toBe(0);
    expect(sample(text, 'galaxy_budget_limit{tenant="lab",dimension="requests"}')).toBe(3);
    // The tenant without a budget has no budget series.
    expect(text).not.toMatch(/galaxy_budget_remaining\{tenant="open"/);
    // SQLite's budgets are held in the process (BUDGET_LEDGER=process): reserving is no store write,
    // each of the three settled charges is one.
    expect(text).not.toContain('operation="reserveBudget"');
    expect(sample(text, 'galaxy_store_write_duration_seconds_count{operation="addBudgetSpent",outcome="ok"}')).toBe(3);
    expect(sample(text, 'galaxy_store_write_duration_seconds_count{operation="recordUsage",outcome="ok"}')).toBe(3);
    expect(text).not.toContain('kim@lab.example');
    client.close();
  });

  it('shows each MCP server with its current status, and its tools by name although they were listed after start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-metrics-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = writeMcpConfig(
      dir,
      [
        'servers:',
        '  - id: probe',
        '    transport: stdio',
        '    command: node',
        `    args: ["${PROBE}"]`,
        '  - id: needs-var',
        '    transport: streamable-http',
        '    url: http://127.0.0.1:1/mcp',
        '    headers: { Authorization: "Bearer ${UNSET_MCP_TOKEN}" }',
        '',
      ].join('\n'),
    );
    const g = await startGalaxy({ accessYaml: ACCESS_ALL, env: { MCP_CONFIG_FILE: file } });
    onTestFinished(() => g.close());
    await waitForServer(g, 'probe', 'connected');
    const { client } = await g.open({ email: 'ops@example.com' });
    g.upstream.enqueue(call('e1', 'probe__env', {}), answer('Seen.'));
    client.send({ type: 'send', text: 'show env' });
    await client.next('tool-result');
    await client.next('message-end');
    client.close();
    const text = (await g.get('/metrics', {})).text;
    expect(sample(text, 'galaxy_tool_calls_total{tool="probe__env",outcome="ok"}')).toBe(1);
    expect(sample(text, 'galaxy_mcp_server_status{server="probe",status="connected"}')).toBe(1);
    expect(sample(text, 'galaxy_mcp_server_status{server="probe",status="starting"}')).toBe(0);
    expect(sample(text, 'galaxy_mcp_server_status{server="needs-var",status="disabled"}')).toBe(1);
    expect(sample(text, 'galaxy_mcp_server_status{server="needs-var",status="connected"}')).toBe(0);
  });
});
