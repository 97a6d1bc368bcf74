import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, finishChunk, roleChunk, toolCallAnswerChunks, toolCallChunk } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

const ACCESS = `
groups:
  staff:
    match: ["*@example.com"]
    models: ["*"]
    tools: ["*"]
    data_sources: [directory, sales]
  guests:
    match: ["*@guest.example.org"]
    models: [fake]
    tools: [basic_math, sql_query]
    data_sources: [sales]
`;

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ accessYaml: ACCESS, env: { THINKING_INTERVAL_MS: '100', MAX_TOOL_ROUNDS: '2' } });
});
afterAll(async () => g.close());

const call = (id: string, name: string, args: object) => ({ steps: toolCallAnswerChunks({ id, name, arguments: JSON.stringify(args) }).map((chunk) => ({ chunk })) });
const answer = (text: string) => ({ steps: answerChunks(text).map((chunk) => ({ chunk })) });

describe('tool calls through the WebSocket', () => {
  it('runs basic_math, shows call and result, feeds the result back to the model', async () => {
    const { client } = await g.open({ email: 'math@example.com' });
    g.upstream.enqueue(call('call_m1', 'basic_math', { expression: '2^10 + 1' }), answer('It is 1025.'));
    client.send({ type: 'send', text: 'what is 2^10+1?' });
    const start = await client.next('message-start');
    expect(await client.next('tool-call')).toMatchObject({ messageId: start.id, callId: 'call_m1', name: 'basic_math', args: { expression: '2^10 + 1' } });
    expect(await client.next('tool-result')).toMatchObject({ callId: 'call_m1', content: '2^10 + 1 = 1025' });
    await client.next('message-end');
    expect(client.textOf(start.id)).toBe('It is 1025.');
    const followUp = g.upstream.requests.at(-1)!.body;
    expect(followUp.messages.slice(-2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_m1', type: 'function', function: { name: 'basic_math', arguments: '{"expression":"2^10 + 1"}' } }] },
      { role: 'tool', tool_call_id: 'call_m1', content: '2^10 + 1 = 1025' },
    ]);
    expect(followUp.tools.map((t: any) => t.function.name).sort()).toEqual(['basic_math', 'code_execution', 'sql_query', 'user_lookup']);
    client.close();
  });

  it('runs parallel calls together and reports them in call order; unknown tools and bad arguments go back to the model', async () => {
    const { client } = await g.open({ email: 'parallel@example.com' });
    g.upstream.enqueue(
      {
        steps: [
          { chunk: roleChunk() },
          { chunk: toolCallChunk([{ index: 0, id: 'c1', name: 'user_lookup', arguments: '{"query":"engineering"}' }, { index: 1, id: 'c2', name: 'basic_math', arguments: '{"expression":"1+1"}' }]) },
          { chunk: toolCallChunk([{ index: 2, id: 'c3', name: 'launch_rockets', arguments: '{}' }, { index: 3, id: 'c4', name: 'basic_math', arguments: '{"expr":1}' }]) },
          { chunk: finishChunk('tool_calls') },
        ],
      },
      answer('Done.'),
    );
    client.send({ type: 'send', text: 'do several things' });
    await client.next('message-end');
    const outcomes = client.events.filter((e) => e.type === 'tool-result' || e.type === 'tool-error').map((e) => [e.callId, e.type, e.code]);
    expect(outcomes).toEqual([
      ['c1', 'tool-result', undefined],
      ['c2', 'tool-result', undefined],
      ['c3', 'tool-error', 'TOOL_UNKNOWN'],
      ['c4', 'tool-error', 'TOOL_BAD_ARGUMENTS'],
    ]);
    expect(client.all('tool-result')[0]!.ui).toMatchObject({ type: 'table' });
    const toolMessages = g.upstream.requests.at(-1)!.body.messages.filter((m: any) => m.role === 'tool');
    expect(toolMessages.map((m: any) => m.tool_call_id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(toolMessages[2].content).toContain('TOOL_UNKNOWN');
    client.close();
  });

  it('returns sql_query rows as a table and names the running tool in the status line', async () => {
    const { client } = await g.open({ email: 'sql@example.com' });
    g.upstream.enqueue(call('q1', 'sql_query', { data_source: 'sales', sql: 'SELECT category, COUNT(*) AS n FROM products GROUP BY category ORDER BY category' }), answer('Here.'));
    client.send({ type: 'send', text: 'products per category' });
    const result = await client.next('tool-result', 10_000);
    expect(result.ui).toMatchObject({ type: 'table', columns: ['category', 'n'] });
    expect(result.ui.rows.length).toBeGreaterThan(1);
    await client.next('message-end');
    const system = g.upstream.requests.at(-2)!.body.messages[0].content;
    expect(system).toContain('sales:');
    client.close();
  });

  it('runs Python in the sandbox with a status line naming code_execution', async () => {
    const { client } = await g.open({ email: 'python@example.com' });
    g.upstream.enqueue(call('p1', 'code_execution', { code: 'import math\nprint(6*7)\nmath.factorial(5)' }), answer('42 and 120.'));
    client.send({ type: 'send', text: 'run python' });
    const status = await client.next((e) => e.type === 'status' && e.tool === 'code_execution', 20_000);
    expect(status.text).toMatch(/^Running code_execution… \d+ s$/);
    const result = await client.next('tool-result', 30_000);
    expect(result.content).toContain('42');
    expect(result.content).toContain('120');
    await client.next('message-end', 10_000);
    client.close();
  }, 60_000);

  it('lets the demo model run Python derived from the request (the README example)', async () => {
    const { client } = await g.open({ email: 'demo-python@example.com' });
    client.send({ type: 'select-model', model: 'demo' });
    await client.next('model-selected');
    client.send({ type: 'send', text: 'run python to sum the squares of 1..10' });
    const result = await client.next('tool-result', 30_000);
    expect(result.content).toContain('385');
    await client.next('message-end', 10_000);
    client.close();
  }, 60_000);

  it('bounds the tool loop at MAX_TOOL_ROUNDS and fails soft', async () => {
    const { client } = await g.open({ email: 'loop@example.com' });
    g.upstream.enqueue(call('r1', 'basic_math', { expression: '1' }), call('r2', 'basic_math', { expression: '2' }), call('r3', 'basic_math', { expression: '3' }));
    client.send({ type: 'send', text: 'loop forever' });
    const end = await client.next('message-end');
    expect(end.finishReason).toBe('tool_rounds_exceeded');
    expect(client.all('tool-call').map((e) => e.callId)).toEqual(['r1', 'r2']);
    client.close();
  });
});

describe('tool selection, lock and permissions', () => {
  it('offers only permitted tools and data sources, and refuses selecting others', async () => {
    const { client, ready } = await g.open({ email: 'visitor@guest.example.org' });
    expect(ready.tools.map((t: any) => t.name).sort()).toEqual(['basic_math', 'sql_query']);
    expect(ready.dataSources.map((d: any) => d.id)).toEqual(['sales']);
    expect(ready.models.map((m: any) => m.name)).toEqual(['fake']);
    client.send({ type: 'select-tools', tools: ['code_execution'], dataSources: [] });
    expect(await client.next('error')).toMatchObject({ code: 'FORBIDDEN' });
    client.send({ type: 'select-tools', tools: ['sql_query'], dataSources: ['directory'] });
    expect(await client.next('error')).toMatchObject({ code: 'FORBIDDEN' });
    client.send({ type: 'select-model', model: 'demo' });
    expect(await client.next('error')).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    client.close();
  });

  it('refuses a tool or data source the user may not use even when the model asks for it by name', async () => {
    const { client } = await g.open({ email: 'sneaky@guest.example.org' });
    g.upstream.enqueue(
      {
        steps: [
          { chunk: roleChunk() },
          { chunk: toolCallChunk([{ index: 0, id: 'x1', name: 'code_execution', arguments: '{"code":"print(1)"}' }, { index: 1, id: 'x2', name: 'sql_query', arguments: '{"data_source":"directory","sql":"SELECT email FROM people"}' }]) },
          { chunk: finishChunk('tool_calls') },
        ],
      },
      answer('ok'),
    );
    client.send({ type: 'send', text: 'get me everything' });
    await client.next('message-end');
    const errors = client.all('tool-error').map((e) => [e.callId, e.code]);
    expect(errors).toEqual([
      ['x1', 'TOOL_UNKNOWN'],
      ['x2', 'TOOL_FORBIDDEN'],
    ]);
    expect(client.all('tool-result')).toEqual([]);
    expect(g.upstream.requests.at(-2)!.body.tools.map((t: any) => t.function.name).sort()).toEqual(['basic_math', 'sql_query']);
    client.close();
  });

  it('locks the selection at the first message; only selected tools reach the model; new chat unlocks', async () => {
    const { client } = await g.open({ email: 'lock@example.com' });
    client.send({ type: 'select-tools', tools: ['sql_query'], dataSources: ['sales'] });
    expect(await client.next('selection')).toMatchObject({ tools: ['sql_query'], dataSources: ['sales'], locked: false });
    g.upstream.enqueue(call('b1', 'basic_math', { expression: '1+1' }), answer('fine'));
    client.send({ type: 'send', text: 'hi' });
    expect(await client.next('selection')).toMatchObject({ locked: true });
    expect(await client.next('tool-error')).toMatchObject({ callId: 'b1', code: 'TOOL_UNKNOWN' });
    await client.next('message-end');
    expect(g.upstream.requests.at(-2)!.body.tools.map((t: any) => t.function.name)).toEqual(['sql_query']);
    client.send({ type: 'select-tools', tools: ['basic_math'], dataSources: [] });
    expect(await client.next('error')).toMatchObject({ code: 'SELECTION_LOCKED' });
    client.send({ type: 'new-chat' });
    const ready = await client.next('ready');
    expect(ready.session.locked).toBe(false);
    client.close();
  });
});

describe('the demo model', () => {
  it('calls basic_math when asked for a calculation and summarises the result, with no network', async () => {
    const { client } = await g.open({ email: 'demo@example.com' });
    client.send({ type: 'select-model', model: 'demo' });
    await client.next('model-selected');
    const before = g.upstream.requests.length;
    client.send({ type: 'send', text: 'Please calculate 12 * 7' });
    const toolCall = await client.next('tool-call', 10_000);
    expect(toolCall.name).toBe('basic_math');
    expect((await client.next('tool-result')).content).toContain('84');
    const end = await client.next('message-end', 10_000);
    expect(client.textOf(end.id)).toContain('84');
    expect(g.upstream.requests.length).toBe(before);
    client.close();
  });
});
