import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServer } from '../../server/app.js';
import { ConfigError } from '../../server/config/env.js';
import { CALLS_DISABLED_REASON } from '../../server/llm/model-registry.js';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

/**
 * The specification's environment variables, each set on a real server and checked for the effect
 * docs/configuration.md documents.
 */

const SPEC_LLMS = resolve('tests/fixtures/spec-llms.yml');

async function galaxy(env: Record<string, string>): Promise<Galaxy> {
  const g = await startGalaxy({ env });
  onTestFinished(() => g.close());
  return g;
}

describe('the specification\'s environment variables', () => {
  it('APP_NAME names the app in ready and in the page', async () => {
    const g = await galaxy({ APP_NAME: 'Acme Chat' });
    const { client, ready } = await g.open();
    expect(ready.appName).toBe('Acme Chat');
    expect((await g.get('/', { 'X-EMAIL-USER': 'alice@example.com', Accept: 'text/html' })).text).toContain('<title>Acme Chat');
    client.close();
  });

  it('SYSTEM_PROMPT_OVERRIDE is the system message of every model call', async () => {
    const g = await galaxy({ SYSTEM_PROMPT_OVERRIDE: 'You answer only in haiku.' });
    const { client } = await g.open();
    client.send({ type: 'send', text: 'Hello' });
    await client.next('message-end');
    const [system] = g.upstream.requests.at(-1)!.body.messages;
    expect(system).toMatchObject({ role: 'system', content: expect.stringContaining('You answer only in haiku.') });
    client.close();
  });

  it('LLM_BASE_URL, LLM_API_KEY and LLM_MODEL_NAME add one model, whose id may contain "/"', async () => {
    const g = await startGalaxy();
    onTestFinished(() => g.close());
    const legacy = await galaxy({ LLM_BASE_URL: g.upstream.baseUrl, LLM_API_KEY: 'sk-legacy-key', LLM_MODEL_NAME: 'meta-llama/Llama-3.1-8B-Instruct' });
    const { client, ready } = await legacy.open();
    expect(ready.models[0]).toMatchObject({ name: 'meta-llama/Llama-3.1-8B-Instruct', label: 'meta-llama/Llama-3.1-8B-Instruct', available: true });
    expect(ready.session.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    g.upstream.enqueue({ steps: answerChunks('From the legacy model').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'Hi' });
    const start = await client.next('message-start');
    await client.next('message-end');
    expect(client.textOf(start.id)).toBe('From the legacy model');
    const request = g.upstream.requests.at(-1)!;
    expect(request.body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(request.headers.authorization).toBe('Bearer sk-legacy-key');
    client.close();
  });

  it('LLM_CONFIG_FILE loads the specification\'s file, and LLM_API_KEY alone fills ${LLM_API_KEY}', async () => {
    const g = await galaxy({ LLM_CONFIG_FILE: SPEC_LLMS, LLM_API_KEY: 'sk-ant-only-key' });
    const { client, ready } = await g.open();
    // The page gets availability only; the reasons are operator detail, in /ready.
    expect(ready.models.map((m: any) => [m.name, m.label, m.provider, m.available, m.reason])).toEqual([
      ['anthropic-claude', 'Anthropic Claude', 'anthropic', true, undefined],
      ['openai-gpt-3.5', 'OpenAI GPT-3.5', 'openai', false, undefined],
      ['local-ollama', 'Local Ollama', 'ollama', true, undefined],
    ]);
    const readiness = JSON.parse((await g.get('/ready')).text);
    expect(readiness.models.map((m: any) => [m.name, m.reason])).toEqual([
      ['anthropic-claude', 'not checked (LLM_STARTUP_CHECK=false)'],
      ['openai-gpt-3.5', 'API key not set (OPENAI_API_KEY)'],
      ['local-ollama', 'not checked (LLM_STARTUP_CHECK=false)'],
    ]);
    expect(g.server.ctx.redactor.redact('key sk-ant-only-key')).not.toContain('sk-ant-only-key');
    client.close();
  });

  it('DISABLE_LLM_CALLS=true sends nothing to any provider: remote models disabled, the demo answers', async () => {
    // LLM_STARTUP_CHECK on: even the boot-time ping must not happen.
    const g = await galaxy({ DISABLE_LLM_CALLS: 'True', LLM_STARTUP_CHECK: 'true' });
    const { client, ready } = await g.open();
    expect(ready.models.map((m: any) => [m.name, m.available])).toEqual([
      ['fake', false],
      ['demo', true],
    ]);
    expect(ready.session.model).toBe('demo');
    client.send({ type: 'send', text: 'Tell me something' });
    const start = await client.next('message-start');
    expect(start.model).toBe('demo');
    expect((await client.next('message-end')).incomplete).toBe(false);
    expect(client.textOf(start.id).length).toBeGreaterThan(0);
    client.send({ type: 'select-model', model: 'fake' });
    expect(await client.next('error')).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    const readiness = JSON.parse((await g.get('/ready')).text);
    expect(readiness.models[0]).toMatchObject({ name: 'fake', status: 'disabled', available: false, reason: CALLS_DISABLED_REASON });
    expect(g.upstream.requests).toEqual([]);
    client.close();
  });

  it('DISABLE_LLM_CALLS=true with a file without a demo still offers the demo', async () => {
    const g = await galaxy({ LLM_CONFIG_FILE: SPEC_LLMS, DISABLE_LLM_CALLS: 'TRUE' });
    const { client, ready } = await g.open();
    expect(ready.models.map((m: any) => [m.name, m.available])).toEqual([
      ['anthropic-claude', false],
      ['openai-gpt-3.5', false],
      ['local-ollama', false],
      ['demo', true],
    ]);
    client.close();
  });

  it('DISABLE_WEBSOCKET=true refuses the upgrade and /ws says why', async () => {
    const g = await galaxy({ DISABLE_WEBSOCKET: 'TRUE' });
    const refused = await g.connect().then(
      () => null,
      (err: { status?: number; body?: string }) => err,
    );
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused?.body ?? '{}')).toEqual({
      error: { code: 'WEBSOCKET_DISABLED', message: 'Live chat is turned off on this server (DISABLE_WEBSOCKET).' },
    });
    expect(JSON.parse((await g.get('/ready')).text).websocket).toBe(false);
  });

  it('TEST_MODE=True gives requests without identity the TEST_EMAIL user, normalised like the header', async () => {
    const g = await galaxy({ TEST_MODE: 'True', TEST_EMAIL: 'Dev.Person@Example.com' });
    const { client, ready } = await g.open({ email: null });
    expect(ready).toMatchObject({ user: 'dev.person@example.com', testMode: true });
    client.close();
    const off = await galaxy({});
    await expect(off.connect({ email: null })).rejects.toMatchObject({ status: 401 });
  });

  it('refuses to start on a TEST_EMAIL the identity header would refuse', async () => {
    for (const bad of ['not-an-email', 'a@b.com, c@d.com', 'dév@example.com']) {
      const error = await startServer({ env: { PORT: '0', TEST_MODE: 'true', TEST_EMAIL: bad, LOG_LEVEL: 'silent' } }).then(
        (server) => server.close().then(() => null),
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([`TEST_EMAIL: "${bad}" is not a single plain e-mail address`]);
    }
  });
});
