import { describe, expect, it } from 'vitest';
import { parseLlmConfig } from '../../server/llm/llm-config.js';
import { ModelRegistry } from '../../server/llm/model-registry.js';
import { toOpenAIMessage } from '../../server/llm/openai-wire.js';
import { messageTokens } from '../../server/llm/token-count.js';

describe('user messages with files on the OpenAI wire', () => {
  it('keeps a plain message a plain string', () => {
    expect(toOpenAIMessage({ role: 'user', text: 'hi' })).toEqual({ role: 'user', content: 'hi' });
  });

  it('puts text files into the text, each between markers with its name', () => {
    expect(toOpenAIMessage({ role: 'user', text: 'Compare', files: [{ kind: 'text', name: 'a.csv', mime: 'text/csv', text: 'x,1' }, { kind: 'text', name: 'b.md', mime: 'text/markdown', text: '# B' }] })).toEqual({
      role: 'user',
      content: 'Compare\n\n[Attached file: a.csv]\nx,1\n[End of a.csv]\n\n[Attached file: b.md]\n# B\n[End of b.md]',
    });
  });

  it('sends images as image_url parts with data URLs, after the text and any text files', () => {
    expect(toOpenAIMessage({ role: 'user', text: '', files: [{ kind: 'image', name: 'p.png', mime: 'image/png', base64: 'AQID' }, { kind: 'text', name: 'n.txt', mime: 'text/plain', text: 'note' }] })).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: '[Attached file: n.txt]\nnote\n[End of n.txt]' },
        { type: 'text', text: '[Attached image: p.png]' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
      ],
    });
  });

  it('counts the files toward the context', () => {
    const count = (text: string) => text.length;
    const plain = messageTokens(count, { role: 'user', text: 'hi' });
    expect(messageTokens(count, { role: 'user', text: 'hi', files: [{ kind: 'text', name: 'a', mime: 'text/plain', text: 'x'.repeat(50) }] })).toBeGreaterThanOrEqual(plain + 50);
    expect(messageTokens(count, { role: 'user', text: 'hi', files: [{ kind: 'image', name: 'p', mime: 'image/png', base64: 'AQID' }] })).toBeGreaterThanOrEqual(plain + 765);
  });
});

describe('the vision option', () => {
  it('marks models that accept images, and only those', () => {
    const yaml = ['llms:', '  - name: seer', '    provider: ollama', '    model_name: llava', '    vision: true', '  - name: plain', '    provider: ollama', '    model_name: llama'].join('\n');
    const configs = parseLlmConfig(yaml, 'llms.yml', { vars: {} });
    expect(configs.map((c) => [c.name, c.vision ?? false])).toEqual([['seer', true], ['plain', false]]);
    const registry = ModelRegistry.fromConfig(configs, { connectTimeoutMs: 1000, maxRetries: 0, stallMs: 1000, maxResponseChars: 1000, maxToolArgsChars: 1000, maxOutputTokens: 0, callsDisabled: false });
    expect(registry.limitsOf('seer').acceptsImages).toBe(true);
    expect(registry.limitsOf('plain').acceptsImages).toBeUndefined();
    expect(registry.list().map((m) => m.vision)).toEqual([true, undefined]);
    expect(() => parseLlmConfig(yaml.replace('vision: true', 'vision: "yes"'), 'llms.yml', { vars: {} })).toThrow(/llms\[0\]\.vision/);
  });
});
