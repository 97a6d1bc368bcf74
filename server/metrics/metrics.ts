import type { Registry } from 'prom-client';
import type { TurnEndReason } from '../chat/records.js';
import { ERROR_CODES } from '../errors.js';
import type { BudgetDimensionName } from '../protocol/server-events.js';
import type { SourceStatus } from '../tools/tool-source.js';
import { buildRegistry } from './prometheus-registry.js';
import { BufferedHistogram, CountsByLabels, bounded } from './series.js';

/**
 * What Galaxy records for operators, behind a small interface so any module can record without
 * knowing prom-client (and tests or other code can pass `NO_METRICS`). Label values are bounded:
 * names outside the configured tools, providers, models and tenants, and unknown error codes, are
 * all recorded as "other", so a hostile or buggy caller cannot grow the series without limit.
 */
export interface Metrics {
  webSocketOpened(): void;
  webSocketClosed(): void;
  /** One finished tool call: its tool, whether it succeeded (or its error code), and how long it took. */
  toolCall(tool: string, outcome: 'ok' | string, durationMs: number): void;
  /** A model call that failed upstream (not a stop by the user), by provider and error code. */
  upstreamError(provider: string, code: string): void;
  /** One model call of a chat working for `tenant`: its tokens, and the time to its first text token if any came. */
  modelCall(call: ModelCallFacts): void;
  /** One ended answer (turn): why it ended, and how long it took from its start to its end (when known). */
  turnEnded(model: string, reason: TurnEndReason, durationMs: number | undefined): void;
  /** A model call refused before it reached the provider because the tenant's budget was used up. */
  budgetRefused(tenant: string): void;
  /** One store write (`operation` is the Store method), whether it succeeded, and how long it took. */
  storeWrite(operation: string, ok: boolean, durationMs: number): void;
}

export interface ModelCallFacts {
  model: string;
  tenant: string;
  promptTokens: number;
  completionTokens: number;
  firstTokenMs?: number;
}

export const NO_METRICS: Metrics = {
  webSocketOpened: () => {},
  webSocketClosed: () => {},
  toolCall: () => {},
  upstreamError: () => {},
  modelCall: () => {},
  turnEnded: () => {},
  budgetRefused: () => {},
  storeWrite: () => {},
};

/** One tenant's monthly budget on one dimension, read at scrape time. */
export interface BudgetReading {
  tenant: string;
  dimension: BudgetDimensionName;
  limit: number;
  used: number;
}

export interface PrometheusMetricsOptions {
  toolNames: readonly string[];
  /**
   * Whether a tool is offered now: MCP servers connect after start and may change their lists, so
   * their tools are learnt as they are called (up to MAX_TOOL_LABELS names, then "other").
   */
  isTool?: (name: string) => boolean;
  providers: readonly string[];
  /** Model names from config/llms.yml. */
  models: readonly string[];
  /** Tenant ids from the tenants file ("default" without one). */
  tenants: readonly string[];
  /** Read at scrape time, so the gauge is never stale. */
  liveSessions: () => number;
  /** Every limited tenant's budgets, read at scrape time (async: the store answers). */
  budgets?: () => Promise<BudgetReading[]>;
  /** Each MCP server's status by server id, read at scrape time. */
  mcpServers?: () => Record<string, { status: SourceStatus }>;
}

export const TURN_OUTCOMES: readonly TurnEndReason[] = ['done', 'stopped', 'abandoned', 'session-ended', 'timeout', 'error', 'shutdown'];
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));
/** A cap on tool label values, so a remote server that keeps renaming its tools cannot grow the series. */
export const MAX_TOOL_LABELS = 200;
const KNOWN_OUTCOMES: ReadonlySet<string> = new Set(TURN_OUTCOMES);

/** Everything recorded so far, in plain numbers; the registry reads it at each scrape. */
export interface Recorded {
  connections: number;
  connectionsTotal: number;
  toolCalls: CountsByLabels<'tool' | 'outcome'>;
  toolDurations: BufferedHistogram<'tool' | 'outcome'>;
  upstreamErrors: CountsByLabels<'provider' | 'code'>;
  turns: CountsByLabels<'model' | 'outcome'>;
  answerDurations: BufferedHistogram<'model'>;
  firstTokens: BufferedHistogram<'model'>;
  tokens: CountsByLabels<'model' | 'tenant' | 'direction'>;
  budgetRefusals: CountsByLabels<'tenant'>;
  storeWrites: BufferedHistogram<'operation' | 'outcome'>;
}

/**
 * Counts in plain numbers from the first moment, and loads prom-client (~40–90 ms of imports) only in
 * `load()`, which the server calls after it listens, or on the first scrape: the cold start stays
 * within its budget and nothing that happens before the load is lost.
 */
export class PrometheusMetrics implements Metrics {
  private readonly tools: Set<string>;
  private readonly providers: ReadonlySet<string>;
  private readonly models: ReadonlySet<string>;
  private readonly tenants: ReadonlySet<string>;
  private readonly recorded: Recorded = {
    connections: 0,
    connectionsTotal: 0,
    toolCalls: new CountsByLabels(),
    toolDurations: new BufferedHistogram(),
    upstreamErrors: new CountsByLabels(),
    turns: new CountsByLabels(),
    answerDurations: new BufferedHistogram(),
    firstTokens: new BufferedHistogram(),
    tokens: new CountsByLabels(),
    budgetRefusals: new CountsByLabels(),
    storeWrites: new BufferedHistogram(),
  };
  private loading: Promise<Registry> | undefined;

  constructor(private readonly options: PrometheusMetricsOptions) {
    this.tools = new Set(options.toolNames);
    this.providers = new Set(options.providers);
    this.models = new Set(options.models);
    this.tenants = new Set(options.tenants);
  }

  webSocketOpened(): void {
    this.recorded.connections += 1;
    this.recorded.connectionsTotal += 1;
  }

  webSocketClosed(): void {
    this.recorded.connections -= 1;
  }

  toolCall(tool: string, outcome: string, durationMs: number): void {
    const labels = { tool: this.toolLabel(tool), outcome: outcome === 'ok' ? outcome : bounded(KNOWN_CODES, outcome) };
    this.recorded.toolCalls.add(labels);
    this.recorded.toolDurations.observe(labels, durationMs / 1000);
  }

  private toolLabel(tool: string): string {
    if (!this.tools.has(tool) && this.tools.size < MAX_TOOL_LABELS && this.options.isTool?.(tool)) this.tools.add(tool);
    return bounded(this.tools, tool);
  }

  upstreamError(provider: string, code: string): void {
    this.recorded.upstreamErrors.add({ provider: bounded(this.providers, provider), code: bounded(KNOWN_CODES, code) });
  }

  modelCall(call: ModelCallFacts): void {
    const model = bounded(this.models, call.model);
    const tenant = bounded(this.tenants, call.tenant);
    this.recorded.tokens.add({ model, tenant, direction: 'input' }, call.promptTokens);
    this.recorded.tokens.add({ model, tenant, direction: 'output' }, call.completionTokens);
    if (call.firstTokenMs !== undefined) this.recorded.firstTokens.observe({ model }, call.firstTokenMs / 1000);
  }

  turnEnded(model: string, reason: TurnEndReason, durationMs: number | undefined): void {
    const labels = { model: bounded(this.models, model) };
    this.recorded.turns.add({ ...labels, outcome: bounded(KNOWN_OUTCOMES, reason) });
    if (durationMs !== undefined) this.recorded.answerDurations.observe(labels, durationMs / 1000);
  }

  budgetRefused(tenant: string): void {
    this.recorded.budgetRefusals.add({ tenant: bounded(this.tenants, tenant) });
  }

  storeWrite(operation: string, ok: boolean, durationMs: number): void {
    // Operation names come from the Store interface (a fixed set chosen in code), never from input.
    this.recorded.storeWrites.observe({ operation, outcome: ok ? 'ok' : 'error' }, durationMs / 1000);
  }

  /** Imports prom-client and builds the registry once; safe to call any number of times. */
  load(): Promise<Registry> {
    this.loading ??= import('prom-client').then((prom) =>
      buildRegistry(prom, this.recorded, {
        liveSessions: this.options.liveSessions,
        budgets: this.options.budgets ?? (async () => []),
        mcpServers: this.options.mcpServers ?? (() => ({})),
        tenants: this.tenants,
      }),
    );
    return this.loading;
  }

  async render(): Promise<{ contentType: string; text: string }> {
    const registry = await this.load();
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}
