import { describe, expect, it } from 'vitest';
import { DemoModel } from '../../server/llm/demo-model.js';
import { mathExpression, personQuery } from '../../server/llm/demo-tool-rules.js';
import type { ChatMessage, ModelEvent, StreamRequest, ToolSpec } from '../../server/llm/types.js';
import { SAMPLE_DATA_SEED } from '../../server/data/sample-data.js';
import { generateDirectory } from '../../server/data/sample-directory.js';

function spec(name: string, description = `${name} tool`, parameters: Record<string, unknown> = { type: 'object' }): ToolSpec {
  return { type: 'function', function: { name, description, parameters } };
}

const ALL_TOOLS = [spec('basic_math'), spec('code_execution'), spec('user_lookup'), spec('sql_query')];

function request(messages: ChatMessage[], tools: ToolSpec[] = [], signal = new AbortController().signal): StreamRequest {
  return { messages, tools, signal };
}

async function run(model: DemoModel, req: StreamRequest) {
  const deltas: string[] = [];
  let done: Extract<ModelEvent, { type: 'done' }> | undefined;
  for await (const event of model.stream(req)) {
    if (event.type === 'text') deltas.push(event.text);
    else done = event;
  }
  return { text: deltas.join(''), deltas, done: done! };
}

const fast = () => new DemoModel({ wordDelayMs: 0 });
const ask = (text: string): ChatMessage[] => [
  { role: 'system', text: 'You are helpful.' },
  { role: 'user', text: text },
];

describe('DemoModel: answers', () => {
  it('is labelled as a demo and answers a ping without any network', async () => {
    const model = fast();
    expect(model).toMatchObject({ name: 'demo', label: 'Demo (offline)', provider: 'demo', demo: true });
    await expect(model.ping()).resolves.toBeUndefined();
  });

  it('streams a markdown answer word by word that quotes the message', async () => {
    const { text, deltas, done } = await run(fast(), request(ask('Tell me about the solar system')));
    expect(deltas.length).toBeGreaterThan(20);
    expect(text).toContain('### Demo answer');
    expect(text).toContain('“Tell me about the solar system”');
    expect(text).toContain('**6 words**');
    expect(text).toMatch(/^- /m);
    expect(text).toMatch(/```python\nmessage = "Tell me about the solar system"\n[^`]+```$/);
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop', toolCalls: [] });
    expect(done.usage).toEqual({ promptTokens: 9, completionTokens: deltas.length, totalTokens: 9 + deltas.length });
  });

  it('gives different answers to different messages', async () => {
    const a = await run(fast(), request(ask('first question')));
    const b = await run(fast(), request(ask('a completely different one')));
    expect(a.text).not.toBe(b.text);
  });

  it('keeps a message with backticks from closing the code fence', async () => {
    const { text } = await run(fast(), request(ask('```\n<script>x</script>')));
    expect(text.match(/```/g)).toHaveLength(2);
  });

  it('answers with plain text when the matching tool is not offered', async () => {
    const { done, text } = await run(fast(), request(ask('calculate 2 + 2'), [spec('user_lookup')]));
    expect(done.toolCalls).toEqual([]);
    expect(text).toContain('calculate 2 + 2');
  });
});

describe('DemoModel: suggestions', () => {
  it('suggests looking up only a person who is in the sample directory', async () => {
    const { text } = await run(fast(), request(ask('hello there'), ALL_TOOLS));
    const suggested = /\*who is ([^*]+)\*/.exec(text)?.[1];
    const names = generateDirectory(SAMPLE_DATA_SEED).people.map((person) => person.name);
    expect(names).toContain(suggested);
  });
});

describe('DemoModel: tool calls', () => {
  async function callFor(text: string, tools = ALL_TOOLS, messages = ask(text)) {
    const { done, text: said } = await run(fast(), request(messages, tools));
    expect(done.finishReason).toBe('tool_calls');
    expect(done.toolCalls).toHaveLength(1);
    const call = done.toolCalls[0]!;
    expect(call.id).toMatch(/^call_demo_/);
    expect(said).toContain(call.function.name);
    return { name: call.function.name, args: JSON.parse(call.function.arguments) as Record<string, unknown> };
  }

  it('calls basic_math with the expression from the message', async () => {
    expect(await callFor('What is 12 * (3 + 4)?')).toEqual({ name: 'basic_math', args: { expression: '12 * (3 + 4)' } });
    expect(await callFor('calculate 7 times 6 please')).toEqual({ name: 'basic_math', args: { expression: '7 * 6' } });
  });

  it('calls code_execution with Python derived from the request', async () => {
    expect(await callFor('Write Python code to add 2 + 3')).toEqual({ name: 'code_execution', args: { code: 'print("2 + 3", "=", 2 + 3)' } });
    expect((await callFor('Run this python:\n```python\nprint(sum(range(5)))\n```')).args.code).toBe('print(sum(range(5)))');
    expect((await callFor('Python: print(2 ** 10)')).args.code).toBe('print(2 ** 10)');
    expect((await callFor('Write a Python script that prints the first 7 primes')).args.code).toMatch(/^count = 7\n/);
    expect((await callFor('python program for fibonacci, 12 numbers')).args.code).toMatch(/^count = 12\n/);
    expect((await callFor('Use code to sort [3, 1, 2]')).args.code).toBe('values = [3, 1, 2]\nprint(sorted(values))');
    expect((await callFor('run python to sum the squares of 1..10')).args.code).toBe('print(sum(n ** 2 for n in range(1, 10 + 1)))');
  });

  it('says plainly that it cannot write code it cannot derive, instead of running something else', async () => {
    const model = new DemoModel({ wordDelayMs: 0 });
    const spec = { type: 'function' as const, function: { name: 'code_execution', description: 'Run Python', parameters: { type: 'object' } } };
    let text = '';
    let calls = 0;
    for await (const event of model.stream({ messages: [{ role: 'user', text: 'Write a Python web scraper for my bank' }], tools: [spec], signal: new AbortController().signal })) {
      if (event.type === 'text') text += event.text;
      else calls = event.toolCalls.length;
    }
    expect(calls).toBe(0);
    expect(text).toContain('cannot write a program for that');
  });

  it('calls user_lookup with the person or email asked for', async () => {
    expect(await callFor('Who is Ada Lovelace?')).toEqual({ name: 'user_lookup', args: { query: 'Ada Lovelace' } });
    expect(await callFor('please look up grace.hopper@example.com')).toEqual({ name: 'user_lookup', args: { query: 'grace.hopper@example.com' } });
  });

  it('calls sql_query on the data source the system prompt lists for the topic', async () => {
    const messages: ChatMessage[] = [
      {
        role: 'system',
        text:
          'Be nice.\n\nData sources selected for this chat (use their id as data_source in sql_query):\n' +
          '- sales: Orders. (tables: customers, orders, order_items)\n- support: Tickets. (tables: sla_policies, tickets)',
      },
      { role: 'user', text: 'How many tickets are open?' },
    ];
    const { name, args } = await callFor('', ALL_TOOLS, messages);
    expect(name).toBe('sql_query');
    expect(args.data_source).toBe('support');
    expect(args.sql).toMatch(/^SELECT .* FROM tickets .*LIMIT 10$/);
  });

  it('takes a data source from the tool spec, or falls back to sales', async () => {
    const withEnum = spec('sql_query', 'Run SQL', { type: 'object', properties: { data_source: { type: 'string', enum: ['warehouse'] } } });
    const fromSpec = await callFor('run a query on the data', [withEnum]);
    expect(fromSpec.args).toEqual({
      data_source: 'warehouse',
      sql: "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name LIMIT 10",
    });
    const fallback = await callFor('show me recent orders', [spec('sql_query')]);
    expect(fallback.args.data_source).toBe('sales');
    expect(fallback.args.sql).toMatch(/FROM orders .*LIMIT 10$/);
  });

  it('summarises a tool result when the last message is the tool answer', async () => {
    const messages: ChatMessage[] = [
      ...ask('what is 6 * 7'),
      { role: 'assistant', text: '', toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'basic_math', arguments: '{"expression":"6 * 7"}' } }] },
      { role: 'tool', toolCallId: 'call_1', text: '42' },
    ];
    const { text, done } = await run(fast(), request(messages, ALL_TOOLS));
    expect(text).toContain('**Result from `basic_math`:** 42');
    expect(done).toMatchObject({ finishReason: 'stop', toolCalls: [] });
  });

  it('puts a multi-line tool result in a code block and flags errors', async () => {
    const messages: ChatMessage[] = [
      ...ask('run code'),
      { role: 'assistant', text: '', toolCalls: [{ id: 'c', type: 'function', function: { name: 'code_execution', arguments: '{}' } }] },
      { role: 'tool', toolCallId: 'c', text: 'Error: line 1\nline 2' },
    ];
    const { text } = await run(fast(), request(messages, ALL_TOOLS));
    expect(text).toContain('**The tool reported a problem from `code_execution`:**\n\n```\nError: line 1\nline 2\n```');
  });

  it('does not repeat the rows of a successful multi-line result, which the page already shows', async () => {
    const messages: ChatMessage[] = [
      ...ask('show orders'),
      { role: 'assistant', text: '', toolCalls: [{ id: 'q', type: 'function', function: { name: 'sql_query', arguments: '{}' } }] },
      { role: 'tool', toolCallId: 'q', text: 'id | total\n1 | 20\n2 | 35' },
    ];
    const { text } = await run(fast(), request(messages, ALL_TOOLS));
    expect(text).toContain('**Result from `sql_query`:** the full result is shown above.');
    expect(text).not.toContain('```');
    expect(text).not.toContain('1 | 20');
  });
});

describe('DemoModel: stop', () => {
  it('stops promptly with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const model = new DemoModel({ wordDelayMs: 20 });
    const started = Date.now();
    let words = 0;
    let error: unknown;
    try {
      for await (const event of model.stream(request(ask('hello there'), [], controller.signal))) {
        if (event.type === 'text' && ++words === 2) setTimeout(() => controller.abort(reason), 5);
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBe(reason);
    expect(words).toBeLessThan(5);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('demo heuristics', () => {
  it.each([
    ['2+2', '2+2'],
    ['what is 3 x 4?', '3*4'],
    ['square root of 16 plus 1', 'sqrt(16) + 1'],
    ['10 divided by 4', '10 / 4'],
    ['5 squared', '5^2'],
  ])('mathExpression(%j) = %j', (text, expected) => {
    expect(mathExpression(text)).toBe(expected);
  });

  it('personQuery trims filler words', () => {
    expect(personQuery('find the head of finance in the directory')).toBe('head of finance');
  });
});
