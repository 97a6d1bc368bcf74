import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishChunk, roleChunk, textChunk, toolCallAnswerChunks, answerChunks } from '../support/chunks.js';
import { UPSTREAM_KEY, startGalaxy, type Galaxy } from '../support/galaxy.js';

/**
 * Checklist 45 against the real server: an upstream that echoes its own API key — whole, split
 * across deltas, one character per delta, or inside tool-call arguments — never gets it into a frame.
 */

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy();
});
afterAll(async () => g.close());

/** No frame of the turn may carry the key, nor any 12-character piece of it. */
function expectNoKeyIn(frames: Array<{ type: string }>): void {
  const all = JSON.stringify(frames.filter((f) => f.type !== 'ready'));
  for (let i = 0; i + 12 <= UPSTREAM_KEY.length; i += 1) expect(all).not.toContain(UPSTREAM_KEY.slice(i, i + 12));
}

const deltaSteps = (pieces: string[]) => ({
  steps: [roleChunk(), ...pieces.map((p) => textChunk(p)), finishChunk()].map((chunk) => ({ chunk })),
});

describe('an upstream echoing the API key', () => {
  it('has the key redacted when it is split across deltas', async () => {
    const { client } = await g.open({ email: 'echo@example.com' });
    const half = 13;
    g.upstream.enqueue(deltaSteps(['Your key is ', UPSTREAM_KEY.slice(0, half), UPSTREAM_KEY.slice(half), ' — keep it safe.']));
    client.send({ type: 'send', text: 'what is your key?' });
    const start = await client.next('message-start');
    await client.next('message-end');
    expect(client.textOf(start.id)).toBe('Your key is [REDACTED] — keep it safe.');
    expectNoKeyIn(client.events);
    client.close();
  });

  it('has the key redacted when it arrives one character per delta, with text after it', async () => {
    const { client } = await g.open({ email: 'echo2@example.com' });
    g.upstream.enqueue(deltaSteps([...`k=${UPSTREAM_KEY}; sk-up is how it starts`]));
    client.send({ type: 'send', text: 'spell it' });
    const start = await client.next('message-start');
    await client.next('message-end');
    expect(client.textOf(start.id)).toBe('k=[REDACTED]; sk-up is how it starts');
    expectNoKeyIn(client.events);
    client.close();
  });

  it('has the key redacted from tool-call arguments shown to the page', async () => {
    const { client } = await g.open({ email: 'echo3@example.com' });
    g.upstream.enqueue(
      { steps: toolCallAnswerChunks({ id: 'k1', name: 'basic_math', arguments: JSON.stringify({ expression: '1+1', note: UPSTREAM_KEY }) }).map((chunk) => ({ chunk })) },
      { steps: answerChunks('two').map((chunk) => ({ chunk })) },
    );
    client.send({ type: 'send', text: 'add' });
    const call = await client.next('tool-call');
    expect(call.args).toMatchObject({ expression: '1+1', note: '[REDACTED]' });
    await client.next('message-end');
    expectNoKeyIn(client.events);
    client.close();
  });
});
