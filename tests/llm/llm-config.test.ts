import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/env.js';
import { interpolate, loadLlmConfig, parseLlmConfig, type LlmConfigOptions } from '../../server/llm/llm-config.js';

const parse = (yaml: string, options: Partial<LlmConfigOptions> = {}) => parseLlmConfig(yaml, 'llms.yml', { vars: {}, ...options });

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseLlmConfig', () => {
  it('reads every provider, with default base URLs and labels', () => {
    const models = parse(
      [
        'llms:',
        '  - { name: demo, provider: demo }',
        '  - { name: gpt, provider: openai, model_name: gpt-4o-mini, api_key: sk-1, label: GPT, max_output_tokens: 500 }',
        '  - { name: claude, provider: anthropic, model_name: claude-sonnet-4-5, api_key: sk-ant-2 }',
        '  - { name: llama, provider: ollama, model_name: llama3.2 }',
        '  - { name: local, provider: openai-compatible, model_name: m, base_url: "http://10.0.0.5:8000/v1" }',
      ].join('\n'),
    );
    expect(models).toEqual([
      { name: 'demo', provider: 'demo', label: 'Demo (offline)', modelName: '', baseUrl: '' },
      { name: 'gpt', provider: 'openai', label: 'GPT', modelName: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-1', maxOutputTokens: 500 },
      { name: 'claude', provider: 'anthropic', label: 'claude', modelName: 'claude-sonnet-4-5', baseUrl: 'https://api.anthropic.com/v1/', apiKey: 'sk-ant-2' },
      { name: 'llama', provider: 'ollama', label: 'llama', modelName: 'llama3.2', baseUrl: 'http://localhost:11434/v1' },
      { name: 'local', provider: 'openai-compatible', label: 'local', modelName: 'm', baseUrl: 'http://10.0.0.5:8000/v1' },
    ]);
  });

  it('fills ${VAR} and ${VAR:-fallback} from the variables passed in, not from process.env', () => {
    process.env.GALAXY_TEST_FROM_PROCESS = 'sk-process';
    const models = parse(
      [
        'llms:',
        '  - name: gpt',
        '    provider: openai',
        '    model_name: ${MODEL}',
        '    api_key: ${GALAXY_TEST_FROM_PROCESS}',
        '  - name: llama',
        '    provider: ollama',
        '    model_name: llama3.2',
        '    base_url: ${OLLAMA_BASE_URL:-http://localhost:11434/v1}',
      ].join('\n'),
      { vars: { MODEL: 'gpt-4o' } },
    );
    delete process.env.GALAXY_TEST_FROM_PROCESS;
    expect(models[0]).toMatchObject({ modelName: 'gpt-4o', unavailableReason: 'API key not set (GALAXY_TEST_FROM_PROCESS)' });
    expect(models[0]).not.toHaveProperty('apiKey');
    expect(models[1]).toMatchObject({ baseUrl: 'http://localhost:11434/v1' });
    expect(models[1]).not.toHaveProperty('unavailableReason');
  });

  it('never lets a variable change the YAML structure', () => {
    const [model] = parse('llms:\n  - { name: gpt, provider: openai, model_name: m, api_key: "${KEY}" }', {
      vars: { KEY: 'x\n  - name: evil\n    provider: demo' },
    });
    expect(model?.apiKey).toBe('x\n  - name: evil\n    provider: demo');
  });

  it('lists a model whose key variable is unset or empty as unavailable, with the reason', () => {
    const models = parse(
      'llms:\n  - { name: claude, provider: anthropic, model_name: c, api_key: "${ANTHROPIC_API_KEY}" }\n  - { name: gpt, provider: openai, model_name: g }',
      { vars: { ANTHROPIC_API_KEY: '' } },
    );
    expect(models.map((m) => [m.name, m.unavailableReason])).toEqual([
      ['claude', 'API key not set (ANTHROPIC_API_KEY)'],
      ['gpt', 'API key not set (no api_key in the config)'],
    ]);
  });

  it('needs no key for ollama and openai-compatible servers', () => {
    const models = parse('llms:\n  - { name: a, provider: ollama, model_name: m }\n  - { name: b, provider: openai-compatible, model_name: m, base_url: "http://h/v1" }');
    expect(models.every((m) => m.unavailableReason === undefined)).toBe(true);
  });

  it('marks a model unavailable when another of its variables is unset', () => {
    const [model] = parse('llms:\n  - { name: a, provider: openai-compatible, model_name: m, base_url: "${LLM_HOST}/v1" }');
    expect(model?.unavailableReason).toBe('variable LLM_HOST not set');
  });

  it('adds the legacy LLM_BASE_URL / LLM_API_KEY / LLM_MODEL_NAME model first', () => {
    const models = parse('llms:\n  - { name: demo, provider: demo }', {
      legacy: { baseUrl: 'http://127.0.0.1:9000/v1', apiKey: 'k', modelName: 'my-model' },
    });
    expect(models[0]).toEqual({ name: 'my-model', provider: 'openai-compatible', label: 'my-model', modelName: 'my-model', baseUrl: 'http://127.0.0.1:9000/v1', apiKey: 'k' });
    expect(models[1]?.name).toBe('demo');
  });

  it('reports every problem at once, each with its path', () => {
    const problems = problemsOf(() =>
      parse(
        [
          'llms:',
          '  - { name: a, provider: gemini, model_name: m }',
          '  - { name: Bad, id: "bad id!", provider: openai, model_name: m }',
          '  - { name: c, provider: openai }',
          '  - { name: d, provider: openai-compatible, model_name: m }',
          '  - { name: e, provider: openai, model_name: m, base_url: "ftp://x" }',
          '  - { name: f, provider: ollama, model_name: m, apikey: typo }',
          '  - { name: g, provider: demo }',
          '  - { name: g, provider: demo }',
        ].join('\n'),
        { legacy: { baseUrl: 'http://h/v1' } },
      ),
    );
    expect(problems).toEqual([
      'llms.yml: llms[0].provider: unknown provider "gemini" (expected demo, openai, anthropic, ollama, openai-compatible)',
      'llms.yml: llms[1].id: must be 1–128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit',
      'llms.yml: llms[2].model_name: required for provider openai',
      'llms.yml: llms[3].base_url: required for provider openai-compatible',
      'llms.yml: llms[4].base_url: "ftp://x" is not an http(s) URL',
      'llms.yml: llms[5]: Unrecognized key: "apikey"',
      'LLM_MODEL_NAME must be set too: LLM_BASE_URL and LLM_MODEL_NAME configure one model together',
      'llms.yml: model id "g" is used more than once (give one of them its own `id`)',
    ]);
  });

  it('reports YAML syntax errors and a missing llms list', () => {
    expect(problemsOf(() => parse('llms:\n  - name: a\n   provider: x\n'))[0]).toMatch(/^llms\.yml: .*line 3/);
    expect(problemsOf(() => parse('models: []'))).toEqual(['llms.yml: llms: Invalid input: expected array, received undefined', 'llms.yml: (root): Unrecognized key: "models"']);
  });

  it('reports a file that cannot be read', () => {
    expect(problemsOf(() => loadLlmConfig('/nonexistent/llms.yml', { vars: {} }))).toEqual([
      '/nonexistent/llms.yml: cannot be read (ENOENT); set LLM_CONFIG_FILE',
    ]);
  });

  it('reads the shipped config/llms.yml: demo first, keyed models unavailable without keys', () => {
    const models = loadLlmConfig('config/llms.yml', { vars: { OPENAI_API_KEY: 'sk-test' } });
    expect(models.map((m) => [m.name, m.provider, m.unavailableReason])).toEqual([
      ['demo', 'demo', undefined],
      ['gpt-4o-mini', 'openai', undefined],
      ['claude-sonnet', 'anthropic', 'API key not set (ANTHROPIC_API_KEY)'],
      ['llama3.2', 'ollama', undefined],
    ]);
  });

  it('loads from a file path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-llms-'));
    const file = join(dir, 'llms.yml');
    writeFileSync(file, 'llms:\n  - { name: demo, provider: demo, label: Try me }\n');
    expect(loadLlmConfig(file, { vars: {} })).toEqual([{ name: 'demo', provider: 'demo', label: 'Try me', modelName: '', baseUrl: '' }]);
  });
});

describe('interpolate', () => {
  it('replaces each variable and collects the unset ones once', () => {
    const missing: string[] = [];
    expect(interpolate('${A}-${B}-${B}-${C:-c}-$NOT-${D:-}', { A: 'a' }, missing)).toBe('a---c-$NOT-');
    expect(missing).toEqual(['B']);
  });
});
