import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly tools: ReadonlySet<string>;
  private readonly providers: ReadonlySet<string>;
  private readonly connections: Gauge;
  private readonly connectionsTotal: Counter;
  private readonly toolCalls: Counter;
  private readonly toolDuration: Histogram;
  private readonly upstreamErrors: Counter;

  constructor(options: PrometheusMetricsOptions) {
    this.tools = new Set(options.toolNames);
    this.providers = new Set(options.providers);
    const registers = [this.registry];
    // Process CPU, memory, GC, handles and event-loop lag (nodejs_eventloop_lag_* seconds).
    collectDefaultMetrics({ register: this.registry, prefix: 'galaxy_', eventLoopMonitoringPrecision: 20 });
    this.connections = new Gauge({ name: 'galaxy_websocket_connections', help: 'Open WebSocket connections', registers });
    this.connectionsTotal = new Counter({ name: 'galaxy_websocket_connections_total', help: 'WebSocket connections accepted', registers });
    new Gauge({
      name: 'galaxy_live_sessions',
      help: 'Chat sessions in memory (connected or within their resume grace)',
      registers,
      collect() {
        this.set(options.liveSessions());
      },
    });
    this.toolCalls = new Counter({ name: 'galaxy_tool_calls_total', help: 'Finished tool calls by tool and outcome', labelNames: ['tool', 'outcome'], registers });
    this.toolDuration = new Histogram({
      name: 'galaxy_tool_call_duration_seconds',
      help: 'Tool call duration by tool and outcome',
      labelNames: ['tool', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.upstreamErrors = new Counter({ name: 'galaxy_upstream_errors_total', help: 'Failed model calls by provider and error code', labelNames: ['provider', 'code'], registers });
  }

  webSocketOpened(): void {
    this.connections.inc();
    this.connectionsTotal.inc();
  }

  webSocketClosed(): void {
    this.connections.dec();
  }

  toolCall(tool: string, outcome: string, durationMs: number): void {
    const labels = { tool: this.tools.has(tool) ? tool : OTHER, outcome: outcome === 'ok' || KNOWN_CODES.has(outcome) ? outcome : OTHER };
    this.toolCalls.inc(labels);
    this.toolDuration.observe(labels, durationMs / 1000);
  }

  upstreamError(provider: string, code: string): void {
    this.upstreamErrors.inc({ provider: this.providers.has(provider) ? provider : OTHER, code: KNOWN_CODES.has(code) ? code : OTHER });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
