import { AppError } from '../errors.js';
import type { Env } from '../config/env.js';
import type { ModelInfo } from '../protocol/server-events.js';
import { UnavailableModel } from './unavailable-model.js';
import { DemoModel } from './demo-model.js';
import { loadLlmConfig, NO_KEY_PLACEHOLDER, type ModelConfig } from './llm-config.js';
import { OpenAICompatibleModel } from './openai-model.js';
import type { ChatModel } from './types.js';

/**
 * The configured models and whether each can be used right now.
 *
 * Availability: the demo always is. A model with a config problem (a key's variable unset) never is,
 * and its reason is shown. Any other model is available until a startup check (`checkAll`) says it
 * did not answer. With LLM_STARTUP_CHECK=false the check is skipped and remote models stay available
 * with the reason NOT_CHECKED_REASON (offline development, tests with a fake upstream).
 * DISABLE_LLM_CALLS is stronger: no request reaches any provider, ever — remote models are listed as
 * disabled with CALLS_DISABLED_REASON, and the demo is added when the config has none, so the page
 * still has a model that answers. A model that answers the ping with 429 is reachable and keyed, so
 * it stays available too.
 */

export type ModelStatus = 'ok' | 'unchecked' | 'failed' | 'misconfigured' | 'disabled';

export interface ModelReadiness {
  name: string;
  provider: string;
  available: boolean;
  status: ModelStatus;
  reason?: string;
  /** Error code of the failed check. */
  code?: string;
  latencyMs?: number;
  checkedAt?: string;
}

export interface RegisteredModel {
  model: ChatModel;
  /** Listed but never usable (a config problem, or DISABLE_LLM_CALLS), with the reason. */
  unavailableReason?: string;
  /** True when the reason is DISABLE_LLM_CALLS rather than a config problem. */
  disabled?: boolean;
  /** Its API key, for log redaction. */
  secret?: string;
  limits?: ModelLimits;
}

/** What a request to a model must fit: its context, its output cap, and whether it may carry images. */
export interface ModelLimits {
  contextTokens?: number;
  maxOutputTokens?: number;
  /** `vision: true` in llms.yml: image attachments may be sent to it. */
  acceptsImages?: boolean;
}

export interface ModelRuntimeSettings {
  connectTimeoutMs: number;
  maxRetries: number;
  stallMs: number;
  maxResponseChars: number;
  maxToolArgsChars: number;
  /** Default cap on output tokens; 0 leaves the provider's default. A model's own max_output_tokens wins. */
  maxOutputTokens: number;
  /** DISABLE_LLM_CALLS: build no client for any remote model. */
  callsDisabled: boolean;
  demoWordDelayMs?: number;
}

interface Entry {
  model: ChatModel;
  status: ModelStatus;
  reason?: string;
  code?: string;
  latencyMs?: number;
  checkedAt?: string;
  secret?: string;
  limits: ModelLimits;
}

export const NOT_CHECKED_REASON = 'not checked (LLM_STARTUP_CHECK=false)';
export const CALLS_DISABLED_REASON = 'calls to model providers are disabled (DISABLE_LLM_CALLS)';

export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();

  /** An empty list gets the demo model, so the server always has something to talk with. */
  constructor(models: RegisteredModel[]) {
    const list = models.length > 0 ? models : [{ model: new DemoModel() }];
    for (const { model, unavailableReason, disabled, secret, limits } of list) {
      const unusable: ModelStatus = disabled ? 'disabled' : 'misconfigured';
      const entry: Entry = { model, status: model.demo ? 'ok' : unavailableReason ? unusable : 'unchecked', limits: limits ?? {} };
      if (unavailableReason) entry.reason = unavailableReason;
      if (secret) entry.secret = secret;
      this.entries.set(model.name, entry);
    }
  }

  /** Builds every model of a parsed config. */
  static fromConfig(configs: ModelConfig[], settings: ModelRuntimeSettings): ModelRegistry {
    const models = configs.map((config) => registeredModel(config, settings));
    const hasDemo = configs.some((c) => c.provider === 'demo');
    if (settings.callsDisabled && !hasDemo && !configs.some((c) => c.name === 'demo')) {
      models.push({ model: new DemoModel({ wordDelayMs: settings.demoWordDelayMs }) });
    }
    return new ModelRegistry(models);
  }

  /** What the page and `ready` show: every model, in config order, with its availability. */
  list(): ModelInfo[] {
    return [...this.entries.values()].map((entry) => {
      const info: ModelInfo = {
        name: entry.model.name,
        label: entry.model.label,
        provider: entry.model.provider,
        demo: entry.model.demo,
        available: isAvailable(entry.status),
      };
      if (entry.reason) info.reason = entry.reason;
      if (entry.limits.acceptsImages) info.vision = true;
      return info;
    });
  }

  /** The model by name, even when unavailable (callers tell "unknown" from "unavailable" with isAvailable). */
  get(name: string): ChatModel | undefined {
    return this.entries.get(name)?.model;
  }

  limitsOf(name: string): ModelLimits {
    return this.entries.get(name)?.limits ?? {};
  }

  isAvailable(name: string): boolean {
    const entry = this.entries.get(name);
    return entry !== undefined && isAvailable(entry.status);
  }

  /** `preferred` when available, else the first available real model, else the demo, else the first listed. */
  defaultModel(preferred?: string): string {
    if (preferred && this.isAvailable(preferred)) return preferred;
    const entries = [...this.entries.values()];
    const pick =
      entries.find((e) => !e.model.demo && isAvailable(e.status)) ?? entries.find((e) => e.model.demo) ?? entries[0];
    return pick?.model.name ?? 'demo';
  }

  /**
   * Pings every remote model that is not misconfigured, all in parallel, each bounded by `timeoutMs`
   * (also when a model ignores its abort signal), and records the outcome. With `skip` nothing is
   * called and unchecked models are marked NOT_CHECKED_REASON. Never throws.
   */
  async checkAll({ timeoutMs, skip = false }: { timeoutMs: number; skip?: boolean }): Promise<void> {
    const remote = [...this.entries.values()].filter((e) => !e.model.demo && e.status !== 'misconfigured' && e.status !== 'disabled');
    if (skip) {
      for (const entry of remote) if (entry.status === 'unchecked') entry.reason = NOT_CHECKED_REASON;
      return;
    }
    await Promise.all(remote.map((entry) => this.check(entry, timeoutMs)));
  }

  /** For `/ready`: the same list with check details. */
  readiness(): ModelReadiness[] {
    return [...this.entries.values()].map((entry) => {
      const item: ModelReadiness = {
        name: entry.model.name,
        provider: entry.model.provider,
        available: isAvailable(entry.status),
        status: entry.status,
      };
      if (entry.reason) item.reason = entry.reason;
      if (entry.code) item.code = entry.code;
      if (entry.latencyMs !== undefined) item.latencyMs = entry.latencyMs;
      if (entry.checkedAt) item.checkedAt = entry.checkedAt;
      return item;
    });
  }

  /** Wraps every model once at wiring time (metrics); names and order stay the same. */
  decorate(wrap: (model: ChatModel) => ChatModel): void {
    for (const entry of this.entries.values()) entry.model = wrap(entry.model);
  }

  /** Every configured API key, so the logger can redact them. */
  secrets(): string[] {
    return [...this.entries.values()].flatMap((e) => (e.secret ? [e.secret] : []));
  }

  private async check(entry: Entry, timeoutMs: number): Promise<void> {
    const controller = new AbortController();
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new AppError('LLM_UNAVAILABLE', `${entry.model.label} did not answer the check within ${timeoutMs} ms.`));
      }, timeoutMs);
    });
    try {
      await Promise.race([entry.model.ping(controller.signal), deadline]);
      entry.status = 'ok';
      delete entry.reason;
      delete entry.code;
    } catch (err) {
      const appError = err instanceof AppError ? err : new AppError('LLM_UNAVAILABLE', String((err as Error)?.message ?? err));
      // Rate limited means reachable and keyed: usable, only busy right now.
      entry.status = appError.code === 'LLM_RATE_LIMITED' ? 'ok' : 'failed';
      entry.reason = appError.code === 'LLM_RATE_LIMITED' ? `rate limited at the startup check: ${appError.message}` : appError.message;
      entry.code = appError.code;
    } finally {
      clearTimeout(timer);
      entry.latencyMs = Date.now() - started;
      entry.checkedAt = new Date().toISOString();
    }
  }
}

function isAvailable(status: ModelStatus): boolean {
  return status === 'ok' || status === 'unchecked';
}

function registeredModel(config: ModelConfig, settings: ModelRuntimeSettings): RegisteredModel {
  const limits: ModelLimits = {};
  if (config.contextTokens !== undefined) limits.contextTokens = config.contextTokens;
  if (config.vision) limits.acceptsImages = true;
  const outputCap = config.maxOutputTokens ?? (settings.maxOutputTokens > 0 ? settings.maxOutputTokens : undefined);
  if (outputCap !== undefined) limits.maxOutputTokens = outputCap;
  return { ...buildModel(config, settings), limits };
}

function buildModel(config: ModelConfig, settings: ModelRuntimeSettings): RegisteredModel {
  if (config.provider === 'demo') {
    return { model: new DemoModel({ name: config.name, label: config.label, wordDelayMs: settings.demoWordDelayMs }) };
  }
  if (config.unavailableReason) {
    return { model: new UnavailableModel(config, config.unavailableReason), unavailableReason: config.unavailableReason };
  }
  // No client is built at all, so nothing can call out by accident.
  if (settings.callsDisabled) {
    return { model: new UnavailableModel(config, CALLS_DISABLED_REASON), unavailableReason: CALLS_DISABLED_REASON, disabled: true };
  }
  const model = new OpenAICompatibleModel({
    name: config.name,
    label: config.label,
    provider: config.provider,
    baseURL: config.baseUrl,
    apiKey: config.apiKey ?? NO_KEY_PLACEHOLDER,
    ...(config.apiKeyVariable ? { apiKeyVariable: config.apiKeyVariable } : {}),
    modelName: config.modelName,
    maxOutputTokens: config.maxOutputTokens ?? settings.maxOutputTokens,
    maxRetries: settings.maxRetries,
    connectTimeoutMs: settings.connectTimeoutMs,
    stallMs: settings.stallMs,
    maxResponseChars: settings.maxResponseChars,
    maxToolArgsChars: settings.maxToolArgsChars,
  });
  return config.apiKey ? { model, secret: config.apiKey } : { model };
}

/** The settings models need, from the parsed environment. */
export function modelSettingsFromEnv(env: Readonly<Env>): ModelRuntimeSettings {
  return {
    connectTimeoutMs: env.LLM_CONNECT_TIMEOUT_MS,
    maxRetries: env.LLM_MAX_RETRIES,
    stallMs: env.STREAM_STALL_MS,
    maxResponseChars: env.MAX_RESPONSE_CHARS,
    maxToolArgsChars: env.MAX_TOOL_ARGS_CHARS,
    maxOutputTokens: env.MAX_OUTPUT_TOKENS,
    callsDisabled: env.DISABLE_LLM_CALLS,
  };
}

/**
 * Boot helper: reads LLM_CONFIG_FILE (with `${VAR}` filled from `vars`, the caller's environment
 * source), adds the legacy LLM_* model, and builds the registry. Throws ConfigError listing every problem.
 */
export function loadModelRegistry(env: Readonly<Env>, vars: Record<string, string | undefined>): ModelRegistry {
  const configs = loadLlmConfig(env.LLM_CONFIG_FILE, {
    vars,
    legacy: { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY, modelName: env.LLM_MODEL_NAME },
  });
  return ModelRegistry.fromConfig(configs, modelSettingsFromEnv(env));
}
