import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/config/env.js';
import { AppError } from '../../server/errors.js';
import { parseLlmConfig } from '../../server/llm/llm-config.js';
import { loadModelRegistry, ModelRegistry, NOT_CHECKED_REASON, type ModelRuntimeSettings } from '../../server/llm/model-registry.js';
import type { ChatModel, ModelEvent } from '../../server/llm/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';

const SETTINGS: ModelRuntimeSettings = {
  connectTimeoutMs: 2000,
  maxRetries: 0,
  stallMs: 2000,
  maxResponseChars: 10_000,
  maxToolArgsChars: 10_000,
  maxOutputTokens: 0,
  callsDisabled: false,
  demoWordDelayMs: 0,
};

/** A model whose ping the test controls, recording when it was called. */
class ScriptedModel implements ChatModel {
  readonly label: string;
  readonly provider = 'openai-compatible';
  readonly demo = false;
  pingStarted?: number;
  pingSignal?: AbortSignal;

  constructor(
    readonly name: string,
    private readonly behaviour: (signal: AbortSignal) => Promise<void>,
  ) {
    this.label = `Model ${name}`;
  }

  // The registry never streams in these tests.
  async *stream(): AsyncGenerator<ModelEvent> {}

  async ping(signal: AbortSignal): Promise<void> {
    this.pingStarted = performance.now();
    this.pingSignal = signal;
    return this.behaviour(signal);
  }
}

const after = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<void>(() => {});
const failing = (err: Error) => async () => {
  throw err;
};

describe('ModelRegistry: listing and choosing', () => {
  const registry = ModelRegistry.fromConfig(
    parseLlmConfig(
      [
        'llms:',
        '  - { name: demo, provider: demo }',
        '  - { name: claude, provider: anthropic, model_name: c, api_key: "${ANTHROPIC_API_KEY}", label: Claude }',
        '  - { name: gpt, provider: openai, model_name: g, api_key: sk-live-123456789, label: GPT }',
      ].join('\n'),
      'llms.yml',
      { vars: {} },
    ),
    SETTINGS,
  );

  it('lists every model in order, keyless ones unavailable with the reason', () => {
    expect(registry.list()).toEqual([
      { name: 'demo', label: 'Demo (offline)', provider: 'demo', demo: true, available: true },
      { name: 'claude', label: 'Claude', provider: 'anthropic', demo: false, available: false, reason: 'API key not set (ANTHROPIC_API_KEY)' },
      { name: 'gpt', label: 'GPT', provider: 'openai', demo: false, available: true },
    ]);
  });

  it('returns unavailable models from get(), and they refuse to stream', async () => {
    const claude = registry.get('claude');
    expect(claude?.name).toBe('claude');
    expect(registry.isAvailable('claude')).toBe(false);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.isAvailable('nope')).toBe(false);
    const events = claude!.stream({ messages: [], tools: [], signal: new AbortController().signal });
    await expect(events[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
  });

  it('picks the preferred model, else the first available real one, the demo last', () => {
    expect(registry.defaultModel('demo')).toBe('demo');
    expect(registry.defaultModel('claude')).toBe('gpt');
    expect(registry.defaultModel()).toBe('gpt');
    const onlyDemo = new ModelRegistry([{ model: new ScriptedModel('x', after(0)), unavailableReason: 'no key' }]);
    expect(onlyDemo.defaultModel()).toBe('x');
    expect(new ModelRegistry([]).defaultModel()).toBe('demo');
  });

  it('gives the keys for log redaction', () => {
    expect(registry.secrets()).toEqual(['sk-live-123456789']);
  });
});

describe('ModelRegistry.checkAll', () => {
  it('pings every remote model in parallel and records each outcome', async () => {
    const ok = new ScriptedModel('ok', after(50));
    const auth = new ScriptedModel('auth', failing(new AppError('LLM_AUTH', 'Model auth answered 401: bad key')));
    const busy = new ScriptedModel('busy', failing(new AppError('LLM_RATE_LIMITED', 'Model busy answered 429: slow down')));
    const odd = new ScriptedModel('odd', failing(new Error('socket hang up')));
    const unconfigured = new ScriptedModel('unconfigured', after(0));
    const registry = new ModelRegistry([{ model: ok }, { model: auth }, { model: busy }, { model: odd }, { model: unconfigured, unavailableReason: 'API key not set (K)' }]);

    await registry.checkAll({ timeoutMs: 1000 });

    // All started before the slowest finished: parallel, not one after another.
    const starts = [ok, auth, busy, odd].map((m) => m.pingStarted!);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(50);
    expect(unconfigured.pingStarted).toBeUndefined();
    const checked = registry.readiness().filter((r) => r.name !== 'unconfigured');
    for (const r of checked) {
      expect(r.latencyMs).toBeTypeOf('number');
      expect(r.checkedAt).toBeTruthy();
    }
    expect(checked.map(({ checkedAt: _at, latencyMs: _ms, ...rest }) => rest)).toEqual([
      { name: 'ok', provider: 'openai-compatible', available: true, status: 'ok' },
      { name: 'auth', provider: 'openai-compatible', available: false, status: 'failed', reason: 'Model auth answered 401: bad key', code: 'LLM_AUTH' },
      { name: 'busy', provider: 'openai-compatible', available: true, status: 'ok', reason: 'rate limited at the startup check: Model busy answered 429: slow down', code: 'LLM_RATE_LIMITED' },
      { name: 'odd', provider: 'openai-compatible', available: false, status: 'failed', reason: 'socket hang up', code: 'LLM_UNAVAILABLE' },
    ]);
    expect(registry.readiness().find((r) => r.name === 'unconfigured')).toEqual({
      name: 'unconfigured', provider: 'openai-compatible', available: false, status: 'misconfigured', reason: 'API key not set (K)',
    });
  });

  it('times out a model that never answers, even one that ignores its signal', async () => {
    const stuck = new ScriptedModel('stuck', never);
    const registry = new ModelRegistry([{ model: stuck }]);
    await registry.checkAll({ timeoutMs: 100 });
    expect(stuck.pingSignal?.aborted).toBe(true);
    expect(registry.list()[0]).toMatchObject({ available: false, reason: 'Model stuck did not answer the check within 100 ms.' });
  });

  it('with skip, calls nobody and keeps remote models available as "not checked"', async () => {
    const remote = new ScriptedModel('remote', failing(new Error('must not be called')));
    const registry = new ModelRegistry([{ model: remote }]);
    await registry.checkAll({ timeoutMs: 100, skip: true });
    expect(remote.pingStarted).toBeUndefined();
    expect(registry.list()[0]).toMatchObject({ available: true, reason: NOT_CHECKED_REASON });
    expect(registry.readiness()[0]).toMatchObject({ status: 'unchecked' });
  });

  it('makes a model available again when a later check succeeds', async () => {
    let fail = true;
    const flaky = new ScriptedModel('flaky', async () => {
      if (fail) throw new AppError('LLM_UNAVAILABLE', 'down');
    });
    const registry = new ModelRegistry([{ model: flaky }]);
    await registry.checkAll({ timeoutMs: 100 });
    expect(registry.isAvailable('flaky')).toBe(false);
    fail = false;
    await registry.checkAll({ timeoutMs: 100 });
    expect(registry.list()[0]).toEqual({ name: 'flaky', label: 'Model flaky', provider: 'openai-compatible', demo: false, available: true });
  });
});

describe('ModelRegistry against a fake upstream', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('pings each keyed model with a tiny request and records failures with their reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-registry-'));
    const file = join(dir, 'llms.yml');
    writeFileSync(
      file,
      [
        'llms:',
        '  - { name: demo, provider: demo }',
        `  - { name: good, provider: openai-compatible, model_name: m1, base_url: "${upstream.baseUrl}", api_key: "\${GOOD_KEY}" }`,
        `  - { name: bad, provider: openai-compatible, model_name: m2, base_url: "${upstream.baseUrl}", api_key: wrong-key-0000 }`,
      ].join('\n'),
    );
    // Whichever model pings first gets this answer (the queue is first in, first out).
    upstream.enqueuePing({ status: 401, errorBody: { error: { message: 'Incorrect API key provided: sk-proj-abc123def456' } } });
    const env = parseEnv({ LLM_CONFIG_FILE: file, LLM_BASE_URL: upstream.baseUrl, LLM_MODEL_NAME: 'legacy-model' });
    const registry = loadModelRegistry(env, { GOOD_KEY: 'good-key-1111' });
    expect(registry.list().map((m) => m.name)).toEqual(['legacy-model', 'demo', 'good', 'bad']);
    expect(registry.secrets()).toEqual(['good-key-1111', 'wrong-key-0000']);

    await registry.checkAll({ timeoutMs: 2000 });

    const pings = upstream.requests.filter((r) => !r.stream);
    expect(pings).toHaveLength(3);
    for (const ping of pings) expect(ping.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    const failed = registry.list().filter((m) => !m.available);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toMatch(/^(legacy-model|good|bad) answered 401: Incorrect API key provided: \[redacted\]$/);
    expect(registry.readiness().filter((r) => r.status === 'ok').map((r) => r.name)).toHaveLength(3);
  });
});
