import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * Checklist 43 through the WebSocket: the fake upstream calls user_lookup for a user who may use
 * the tool but is refused the directory, and for one who deselected it. Nobody's details come back.
 */

const ACCESS = `
groups:
  everyone:
    match: ["*@example.com"]
    models: ["*"]
    tools: [user_lookup, basic_math]
  directory_readers:
    match: ["reader@example.com"]
    data_sources: [directory]
`;

let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ accessYaml: ACCESS });
});
afterAll(async () => g.close());

const lookupTurn = () => {
  g.upstream.enqueue(
    { steps: toolCallAnswerChunks({ id: 'look1', name: 'user_lookup', arguments: '{"query":"a"}' }).map((chunk) => ({ chunk })) },
    { steps: answerChunks('done').map((chunk) => ({ chunk })) },
  );
};

async function callLookup(client: TestClient): Promise<{ event: any; toolMessage: any }> {
  lookupTurn();
  client.send({ type: 'send', text: 'who is in the directory?' });
  const event = await client.next((e) => (e.type === 'tool-result' || e.type === 'tool-error') && e.callId === 'look1');
  await client.next('message-end');
  const toolMessage = g.upstream.requests.at(-1)!.body.messages.find((m: any) => m.role === 'tool' && m.tool_call_id === 'look1');
  return { event, toolMessage };
}

describe('user_lookup honours data-source permissions and the chat selection', () => {
  it('finds people for a user permitted and with the directory selected (control)', async () => {
    const { client } = await g.open({ email: 'reader@example.com' });
    const { event } = await callLookup(client);
    expect(event.type).toBe('tool-result');
    expect(event.ui.rows.length).toBeGreaterThan(0);
    client.close();
  });

  it('refuses a user allowed the tool but refused the directory source', async () => {
    const { client, ready } = await g.open({ email: 'outsider@example.com' });
    expect(ready.dataSources).toEqual([]);
    const { event, toolMessage } = await callLookup(client);
    expect(event).toMatchObject({ type: 'tool-error', code: 'TOOL_FORBIDDEN' });
    expect(toolMessage.content).toContain('TOOL_FORBIDDEN');
    expect(toolMessage.content).not.toMatch(/@example\.(com|org)/);
    client.close();
  });

  it('refuses a permitted user who deselected the directory for this chat', async () => {
    const { client } = await g.open({ email: 'reader@example.com' });
    client.send({ type: 'new-chat' });
    await client.next('ready');
    client.send({ type: 'select-tools', tools: ['user_lookup'], dataSources: [] });
    expect(await client.next('selection')).toMatchObject({ dataSources: [] });
    const { event } = await callLookup(client);
    expect(event).toMatchObject({ type: 'tool-error', code: 'TOOL_FORBIDDEN' });
    client.close();
  });
});
