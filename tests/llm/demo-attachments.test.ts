import { describe, expect, it } from 'vitest';
import { DemoModel } from '../../server/llm/demo-model.js';
import type { ChatMessage } from '../../server/llm/types.js';

async function answer(messages: ChatMessage[]): Promise<string> {
  let text = '';
  for await (const event of new DemoModel({ wordDelayMs: 0 }).stream({ messages, tools: [], signal: new AbortController().signal })) {
    if (event.type === 'text') text += event.text;
  }
  return text;
}

describe('the demo model and attached files', () => {
  it('says which files it received, so attaching can be seen working offline', async () => {
    const text = await answer([
      { role: 'user', text: 'Summarise', files: [{ kind: 'text', name: 'notes.md', mime: 'text/markdown', text: 'hello' }, { kind: 'image', name: 'a`b.png', mime: 'image/png', base64: 'AQID' }] },
    ]);
    expect(text).toContain("You attached `notes.md` (5 characters of text), `a'b.png` (an image).");
  });

  it('tells a message of files alone from an empty one, and says nothing of files when there are none', async () => {
    expect(await answer([{ role: 'user', text: '', files: [{ kind: 'text', name: 'n.txt', mime: 'text/plain', text: 'x' }] }])).toContain('You sent files without a message.');
    const plain = await answer([{ role: 'user', text: 'hi' }]);
    expect(plain).not.toContain('attached');
  });
});
