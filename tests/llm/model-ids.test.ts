import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/env.js';
import { loadLlmConfig, modelIdFromName, parseLlmConfig, type LlmConfigOptions } from '../../server/llm/llm-config.js';

/** The specification's model file (tests/fixtures/spec-llms.yml, verbatim) and how names become ids. */

const SPEC_FILE = 'tests/fixtures/spec-llms.yml';
const parse = (text: string, options: Partial<LlmConfigOptions> = {}) => parseLlmConfig(text, 'llms.yml', { vars: {}, ...options });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('model ids', () => {
  it('loads the specification file as written: names shown, ids derived, the key from LLM_API_KEY', () => {
    const models = loadLlmConfig(SPEC_FILE, { vars: { LLM_API_KEY: 'sk-ant-spec' } });
    expect(models).toEqual([
      { name: 'anthropic-claude', label: 'Anthropic Claude', provider: 'anthropic', modelName: 'claude-3-5-sonnet-20241022', baseUrl: 'https://api.anthropic.com/v1', apiKey: 'sk-ant-spec', apiKeyVariable: 'LLM_API_KEY' },
      {
        name: 'openai-gpt-3.5',
        label: 'OpenAI GPT-3.5',
        provider: 'openai',
        modelName: 'gpt-3.5-turbo',
        baseUrl: 'https://api.openai.com/v1',
        unavailableReason: 'API key not set (OPENAI_API_KEY)',
        // A tenant holding OPENAI_API_KEY among its credentials calls it with its own key.
        apiKeyVariable: 'OPENAI_API_KEY',
      },
      { name: 'local-ollama', label: 'Local Ollama', provider: 'ollama', modelName: 'llama2', baseUrl: 'http://localhost:11434/v1', apiKey: 'not-required' },
    ]);
  });

  it('keeps a name that already is an id, so older files keep their ids', () => {
    for (const name of ['gpt-4o-mini', 'llama3.2', 'claude-sonnet', 'Qwen2.5:7b', 'meta-llama/Llama-3.1-8B-Instruct']) {
      expect(modelIdFromName(name)).toBe(name);
    }
  });

  it('derives ids by the documented rule', () => {
    expect(modelIdFromName('Anthropic Claude')).toBe('anthropic-claude');
    expect(modelIdFromName('  Mistral — Large (EU)  ')).toBe('mistral-large-eu');
    expect(modelIdFromName('Café Modèle')).toBe('cafe-modele');
    expect(modelIdFromName('-- Team / GPT 4 --')).toBe('team-/-gpt-4');
    expect(modelIdFromName('日本語')).toBe('');
    expect(modelIdFromName(`Long ${'x'.repeat(200)}`)).toHaveLength(128);
  });

  it('uses an explicit id, with the name as the label', () => {
    const [model] = parse('llms:\n  - { name: "Our GPT", id: gpt, provider: openai, model_name: m, api_key: k }');
    expect(model).toMatchObject({ name: 'gpt', label: 'Our GPT' });
  });

  it('accepts ids containing "/", in the file and from LLM_MODEL_NAME', () => {
    const models = parse('llms:\n  - { name: Llama, id: meta-llama/Llama-3.1-8B-Instruct, provider: ollama, model_name: m }', {
      legacy: { baseUrl: 'http://127.0.0.1:9/v1', modelName: 'Qwen/Qwen2.5-7B-Instruct' },
    });
    expect(models.map((m) => m.name)).toEqual(['Qwen/Qwen2.5-7B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct']);
  });

  it('refuses two models whose ids collide, and a name that gives no id', () => {
    const problems = problemsOf(() =>
      parse('llms:\n  - { name: "My Model", provider: demo }\n  - { name: "my model", provider: demo }\n  - { name: "日本語", provider: demo }'),
    );
    expect(problems).toEqual([
      'llms.yml: llms[2].name: "日本語" gives no usable id; add an `id` (must be 1–128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit)',
      'llms.yml: model id "my-model" is used more than once (give one of them its own `id`)',
    ]);
  });

  it('treats LLM_API_KEY alone as a variable for the file, not as a half-configured legacy model', () => {
    const models = loadLlmConfig(SPEC_FILE, { vars: { LLM_API_KEY: 'k' }, legacy: { apiKey: 'k' } });
    expect(models.map((m) => m.name)).toEqual(['anthropic-claude', 'openai-gpt-3.5', 'local-ollama']);
    expect(problemsOf(() => parse('llms: []', { legacy: { apiKey: 'k', baseUrl: 'http://h/v1' } }))).toEqual([
      'LLM_MODEL_NAME must be set too: LLM_BASE_URL and LLM_MODEL_NAME configure one model together',
    ]);
  });
});
