import type { Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from '../errors.js';

/**
 * What Galaxy records for operators, behind a small interface so any module can record without
 * knowing prom-client (and tests or other code can pass `NO_METRICS`). Label values are bounded:
 * tool names outside the known set, providers outside the known set and unknown error codes are
 * all recorded as "other", so a hostile or buggy caller cannot grow the series without limit.
 */
export interface Metrics {
  webSocketOpened(): void;
  webSocketClosed(): void;
  /** One finished tool call: its tool, whether it succeeded (or its error code), and how long it took. */
  toolCall(tool: string, outcome: 'ok' | string, durationMs: number): void;
  /** A model call that failed upstream (not a stop by the user), by provider and error code. */
  upstreamError(provider: string, code: string): void;
}

export const NO_METRICS: Metrics = {
  webSocketOpened: () => {},
  webSocketClosed: () => {},
  toolCall: () => {},
  upstreamError: () => {},
};

export interface PrometheusMetricsOptions {
  toolNames: readonly string[];
  providers: readonly string[];
  /** Read at scrape time, so the gauge is never stale. */
  liveSessions: () => number;
}

const OTHER = 'other';
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Counts in plain numbers from the first moment, and loads prom-client (~40–90 ms of imports) only in
 * `load()`, which the server calls after it listens, or on the first scrape: the cold start stays
 * within its budget and nothing that happens before the load is lost.
 */
export class PrometheusMetrics implements Metrics {
  private readonly tools: ReadonlySet<string>;
  private readonly providers: ReadonlySet<string>;
  private connections = 0;
  private connectionsTotal = 0;
  private readonly toolCalls = new Map<string, { tool: string; outcome: string; count: number }>();
  private readonly upstreamErrors = new Map<string, { provider: string; code: string; count: number }>();
  /** Durations seen before the histogram exists, replayed into it by `load`. */
  private pendingDurations: Array<[{ tool: string; outcome: string }, number]> = [];
  private durations: Histogram | undefined;
  private loading: Promise<Registry> | undefined;

  constructor(private readonly options: PrometheusMetricsOptions) {
    this.tools = new Set(options.toolNames);
    this.providers = new Set(options.providers);
  }

  webSocketOpened(): void {
    this.connections += 1;
    this.connectionsTotal += 1;
  }

  webSocketClosed(): void {
    this.connections -= 1;
  }

  toolCall(tool: string, outcome: string, durationMs: number): void {
    const labels = { tool: this.tools.has(tool) ? tool : OTHER, outcome: outcome === 'ok' || KNOWN_CODES.has(outcome) ? outcome : OTHER };
    const key = `${labels.tool}\u0000${labels.outcome}`;
    const entry = this.toolCalls.get(key) ?? { ...labels, count: 0 };
    entry.count += 1;
    this.toolCalls.set(key, entry);
    if (this.durations) this.durations.observe(labels, durationMs / 1000);
    else this.pendingDurations.push([labels, durationMs / 1000]);
  }

  upstreamError(provider: string, code: string): void {
    const labels = { provider: this.providers.has(provider) ? provider : OTHER, code: KNOWN_CODES.has(code) ? code : OTHER };
    const key = `${labels.provider}\u0000${labels.code}`;
    const entry = this.upstreamErrors.get(key) ?? { ...labels, count: 0 };
    entry.count += 1;
    this.upstreamErrors.set(key, entry);
  }

  /** Imports prom-client and builds the registry once; safe to call any number of times. */
  load(): Promise<Registry> {
    this.loading ??= import('prom-client').then((prom) => this.build(prom));
    return this.loading;
  }

  async render(): Promise<{ contentType: string; text: string }> {
    const registry = await this.load();
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  private build(prom: typeof import('prom-client')): Registry {
    const registry = new prom.Registry();
    const registers = [registry];
    // Process CPU, memory, GC, handles and event-loop lag (galaxy_nodejs_eventloop_lag_* seconds).
    prom.collectDefaultMetrics({ register: registry, prefix: 'galaxy_', eventLoopMonitoringPrecision: 20 });
    const read = this;
    new prom.Gauge({ name: 'galaxy_websocket_connections', help: 'Open chat connections (WebSocket or event stream)', registers, collect() { this.set(read.connections); } });
    new prom.Counter({ name: 'galaxy_websocket_connections_total', help: 'Chat connections accepted (WebSocket or event stream)', registers, collect() { this.reset(); this.inc(read.connectionsTotal); } });
    new prom.Gauge({ name: 'galaxy_live_sessions', help: 'Chat sessions in memory (connected or within their resume grace)', registers, collect() { this.set(read.options.liveSessions()); } });
    new prom.Counter({
      name: 'galaxy_tool_calls_total',
      help: 'Finished tool calls by tool and outcome',
      labelNames: ['tool', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const { tool, outcome, count } of read.toolCalls.values()) this.inc({ tool, outcome }, count);
      },
    });
    new prom.Counter({
      name: 'galaxy_upstream_errors_total',
      help: 'Failed model calls by provider and error code',
      labelNames: ['provider', 'code'],
      registers,
      collect() {
        this.reset();
        for (const { provider, code, count } of read.upstreamErrors.values()) this.inc({ provider, code }, count);
      },
    });
    const durations = new prom.Histogram({ name: 'galaxy_tool_call_duration_seconds', help: 'Tool call duration by tool and outcome', labelNames: ['tool', 'outcome'], buckets: DURATION_BUCKETS, registers });
    for (const [labels, seconds] of this.pendingDurations) durations.observe(labels, seconds);
    this.pendingDurations = [];
    this.durations = durations;
    return registry;
  }
}
