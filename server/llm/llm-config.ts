import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/env.js';
import { readConfigFile } from '../config/yaml-file.js';

/**
 * Reads the list of models (config/llms.yml, design §5), once at boot:
 *
 *   llms:
 *     - name: Claude Sonnet     # what people see (the older `label` still overrides it)
 *       id: claude              # optional stable id for DEFAULT_MODEL, access.yml and the protocol;
 *                               # derived from the name when absent (see `modelIdFromName`)
 *       provider: anthropic     # demo | openai | anthropic | ollama | openai-compatible
 *       api_key: ${ANTHROPIC_API_KEY}
 *       model_name: claude-sonnet-4-5
 *       base_url: …             # optional for openai, anthropic and ollama (their defaults below)
 *       max_output_tokens: 4096 # optional; else MAX_OUTPUT_TOKENS; else the provider's default
 *       vision: true            # optional; the model accepts images (attachments as image parts)
 *
 * `${VAR}` and `${VAR:-fallback}` in values are filled from the environment object the caller passes
 * (never process.env directly), after YAML parsing, so a variable's value can never change the
 * file's structure. A model whose variables are unset stays listed, unavailable, with the reason;
 * everything else wrong is collected and thrown at once as a ConfigError, each with its path.
 */

export const PROVIDERS = ['demo', 'openai', 'anthropic', 'ollama', 'openai-compatible'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const DEFAULT_BASE_URLS: Partial<Record<Provider, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1/',
  ollama: 'http://localhost:11434/v1',
};

/** Providers that cannot work without a key: a missing one makes the model unavailable. */
const NEEDS_KEY: ReadonlySet<Provider> = new Set(['openai', 'anthropic']);
/** The SDK refuses an empty key; servers without auth (Ollama, local vLLM) ignore this one. */
export const NO_KEY_PLACEHOLDER = 'no-key';

export interface ModelConfig {
  /** The model's id (the protocol, DEFAULT_MODEL and access files call it `name`). */
  name: string;
  provider: Provider;
  label: string;
  /** The provider's model id; '' for the demo. */
  modelName: string;
  /** '' for the demo. */
  baseUrl: string;
  /** Undefined when the provider needs none or it is missing (then `unavailableReason` says so). */
  apiKey?: string;
  /**
   * When `api_key` is one variable (`${OPENAI_API_KEY}`): its name. A tenant whose credentials hold
   * that name calls the model with its own key (docs/tenants.md).
   */
  apiKeyVariable?: string;
  maxOutputTokens?: number;
  /** How many tokens the model's context holds; older turns are left out of a request past it. */
  contextTokens?: number;
  /** True when the model accepts images (`vision: true`); other models refuse image attachments. */
  vision?: boolean;
  /** Set when the model is listed but cannot be used, e.g. "API key not set (ANTHROPIC_API_KEY)". */
  unavailableReason?: string;
}

export interface LegacyModelSettings {
  /** LLM_BASE_URL, LLM_API_KEY, LLM_MODEL_NAME: the single model of older setups. */
  baseUrl?: string;
  apiKey?: string;
  modelName?: string;
}

export interface LlmConfigOptions {
  /** The variables `${VAR}` may reference (main passes its environment source). */
  vars: Record<string, string | undefined>;
  legacy?: LegacyModelSettings;
}

/** A model id: "/" is allowed because provider model names (meta-llama/Llama-3.1-8B-Instruct) double as ids. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const MODEL_ID_RULE = 'must be 1–128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit';

/**
 * The id of a model that has only a name. A name that is already a valid id is its own id, so
 * files written before `id` existed keep every id they had. Any other name is lower-cased, accents
 * dropped, each run of characters outside the id alphabet becomes one "-", and leading or trailing
 * "-" go: "Anthropic Claude" → "anthropic-claude", "OpenAI GPT-3.5" → "openai-gpt-3.5". The id
 * depends on the name alone (never on order), so it is stable until the name changes; set `id`
 * to rename freely. '' when nothing usable is left.
 */
export function modelIdFromName(name: string): string {
  if (MODEL_ID.test(name)) return name;
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._:/-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 128)
    .replace(/-+$/, '');
}

const entrySchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
  id: z.string().regex(MODEL_ID, MODEL_ID_RULE).optional(),
  provider: z.enum(PROVIDERS, { error: (issue) => `unknown provider ${JSON.stringify(issue.input)} (expected ${PROVIDERS.join(', ')})` }),
  base_url: z.string().optional(),
  api_key: z.string().optional(),
  model_name: z.string().min(1, 'must not be empty').optional(),
  label: z.string().min(1).max(80).optional(),
  max_output_tokens: z.number().int().min(1).max(1_000_000).optional(),
  context_tokens: z.number().int().min(256).max(100_000_000).optional(),
  vision: z.boolean().optional(),
});

const fileSchema = z.strictObject({ llms: z.array(z.unknown()) });

/** Reads and parses the file; a missing or unreadable file is a ConfigError like any other problem. */
export function loadLlmConfig(file: string, options: LlmConfigOptions): ModelConfig[] {
  return parseLlmConfig(readConfigFile(file, '; set LLM_CONFIG_FILE'), file, options);
}

export function parseLlmConfig(text: string, source: string, options: LlmConfigOptions): ModelConfig[] {
  const problems: string[] = [];
  const doc = YAML.parseDocument(text);
  for (const error of doc.errors) problems.push(`${source}: ${error.message.split('\n')[0]}`);
  if (problems.length > 0) throw new ConfigError(problems);

  const root = fileSchema.safeParse(doc.toJS() ?? {});
  if (!root.success) throw new ConfigError(root.error.issues.map((i) => `${source}: ${pathOf(i.path)}: ${i.message}`));

  const models: ModelConfig[] = [];
  root.data.llms.forEach((raw, index) => {
    const at = `${source}: llms[${index}]`;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${at}${issue.path.length ? `.${pathOf(issue.path)}` : ''}: ${issue.message}`);
      return;
    }
    const model = resolveEntry(parsed.data, options.vars, at, problems);
    if (model) models.push(model);
  });

  const legacy = legacyModel(options.legacy ?? {}, problems);
  if (legacy) models.unshift(legacy);

  const seen = new Set<string>();
  for (const model of models) {
    if (seen.has(model.name)) problems.push(`${source}: model id "${model.name}" is used more than once (give one of them its own \`id\`)`);
    seen.add(model.name);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return models;
}

type Entry = z.output<typeof entrySchema>;

function resolveEntry(entry: Entry, vars: LlmConfigOptions['vars'], at: string, problems: string[]): ModelConfig | undefined {
  const { provider } = entry;
  const id = entry.id ?? modelIdFromName(entry.name);
  if (id === '') {
    problems.push(`${at}.name: ${JSON.stringify(entry.name)} gives no usable id; add an \`id\` (${MODEL_ID_RULE})`);
    return undefined;
  }
  // An id-like name without label (`name: demo`) is an id, not a display name: the demo keeps its caption.
  const nameIsDisplay = entry.id !== undefined || !MODEL_ID.test(entry.name);
  const label = entry.label ?? (provider === 'demo' && !nameIsDisplay ? 'Demo (offline)' : entry.name);
  if (provider === 'demo') return { name: id, provider, label, modelName: '', baseUrl: '' };

  const missing: string[] = [];
  const fill = (value: string | undefined) => (value === undefined ? undefined : interpolate(value, vars, missing));
  const modelName = fill(entry.model_name);
  const baseUrl = fill(entry.base_url) ?? DEFAULT_BASE_URLS[provider];
  const missingBeforeKey = missing.length;
  const apiKey = fill(entry.api_key);
  const missingKeyVars = missing.slice(missingBeforeKey);

  let broken = false;
  if (entry.model_name === undefined) {
    problems.push(`${at}.model_name: required for provider ${provider}`);
    broken = true;
  }
  if (baseUrl === undefined) {
    problems.push(`${at}.base_url: required for provider ${provider}`);
    broken = true;
  } else if (missingBeforeKey === 0 && !isHttpUrl(baseUrl)) {
    problems.push(`${at}.base_url: ${JSON.stringify(baseUrl)} is not an http(s) URL`);
    broken = true;
  }
  if (broken) return undefined;

  const model: ModelConfig = { name: id, provider, label, modelName: modelName ?? '', baseUrl: baseUrl ?? '' };
  if (entry.max_output_tokens !== undefined) model.maxOutputTokens = entry.max_output_tokens;
  if (entry.context_tokens !== undefined) model.contextTokens = entry.context_tokens;
  if (entry.vision) model.vision = true;
  if (apiKey) model.apiKey = apiKey;
  const keyVariable = entry.api_key?.match(/^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/)?.[1];
  if (keyVariable) model.apiKeyVariable = keyVariable;

  if (missingBeforeKey > 0) {
    model.unavailableReason = `${plural(missing.slice(0, missingBeforeKey), 'variable')} not set`;
  } else if (!apiKey && (missingKeyVars.length > 0 || NEEDS_KEY.has(provider))) {
    model.unavailableReason = `API key not set (${missingKeyVars.length > 0 ? missingKeyVars.join(', ') : 'no api_key in the config'})`;
  }
  return model;
}

/**
 * `${VAR}` → its value; `${VAR:-fallback}` → the value, or the fallback when unset or empty.
 * Unset variables without a fallback become '' and are reported through `missing`.
 */
export function interpolate(value: string, vars: LlmConfigOptions['vars'], missing: string[]): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
    const found = vars[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (!missing.includes(name)) missing.push(name);
    return '';
  });
}

function legacyModel(legacy: LegacyModelSettings, problems: string[]): ModelConfig | undefined {
  const { baseUrl, apiKey, modelName } = legacy;
  // LLM_API_KEY alone is not the legacy switch: it is also what the spec's llms.yml fills ${LLM_API_KEY} with.
  if (!baseUrl && !modelName) return undefined;
  if (!baseUrl || !modelName) {
    problems.push(`${baseUrl ? 'LLM_MODEL_NAME' : 'LLM_BASE_URL'} must be set too: LLM_BASE_URL and LLM_MODEL_NAME configure one model together`);
    return undefined;
  }
  if (!isHttpUrl(baseUrl)) {
    problems.push(`LLM_BASE_URL: ${JSON.stringify(baseUrl)} is not an http(s) URL`);
    return undefined;
  }
  if (!MODEL_ID.test(modelName)) {
    problems.push(`LLM_MODEL_NAME: ${JSON.stringify(modelName)} cannot be used as a model id (${MODEL_ID_RULE.replace('must be ', '')})`);
    return undefined;
  }
  // Named after its model so DEFAULT_MODEL=<LLM_MODEL_NAME> reads naturally in old setups.
  const model: ModelConfig = { name: modelName, provider: 'openai-compatible', label: modelName, modelName, baseUrl };
  if (apiKey) model.apiKey = apiKey;
  return model;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

function plural(names: string[], noun: string): string {
  return `${noun}${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}

function pathOf(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') || '(root)';
}
