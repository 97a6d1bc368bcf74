import type { Registry } from 'prom-client';
import type { SourceStatus } from '../tools/tool-source.js';
import type { BudgetReading, Recorded } from './metrics.js';
import { bounded } from './series.js';

/** What the registry reads at scrape time besides the recorded counts. */
export interface ScrapeReaders {
  liveSessions: () => number;
  budgets: () => Promise<BudgetReading[]>;
  mcpServers: () => Record<string, { status: SourceStatus }>;
  tenants: ReadonlySet<string>;
}

const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Answers with tool rounds run for minutes; first tokens come within seconds. */
const ANSWER_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30];
/** A better-sqlite3 WAL insert is ~20 µs, a checkpoint stall ~6 ms (design §10); PostgreSQL is a network hop. */
const STORE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];
/** One series per server and status (1 for the current one), so `== 1` and `sum by (status)` both work. */
const MCP_STATUSES: readonly SourceStatus[] = ['starting', 'connected', 'unavailable', 'disabled'];

/** Builds the prom-client registry over the plain-number series; counters are refilled at each scrape. */
export function buildRegistry(prom: typeof import('prom-client'), rec: Recorded, read: ScrapeReaders): Registry {
  const registry = new prom.Registry();
  const registers = [registry];
  // Process CPU, memory, GC, handles and event-loop lag (galaxy_nodejs_eventloop_lag_* seconds).
  prom.collectDefaultMetrics({ register: registry, prefix: 'galaxy_', eventLoopMonitoringPrecision: 20 });

  new prom.Gauge({ name: 'galaxy_websocket_connections', help: 'Open chat connections (WebSocket or event stream)', registers, collect() { this.set(rec.connections); } });
  new prom.Counter({ name: 'galaxy_websocket_connections_total', help: 'Chat connections accepted (WebSocket or event stream)', registers, collect() { this.reset(); this.inc(rec.connectionsTotal); } });
  new prom.Gauge({ name: 'galaxy_live_sessions', help: 'Chat sessions in memory (connected or within their resume grace)', registers, collect() { this.set(read.liveSessions()); } });

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], counts: { values(): Iterable<{ labels: Record<L, string>; value: number }> }) =>
    new prom.Counter<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const { labels, value } of counts.values()) this.inc(labels as Partial<Record<L, string>>, value);
      },
    });
  counter('galaxy_tool_calls_total', 'Finished tool calls by tool and outcome', ['tool', 'outcome'], rec.toolCalls);
  counter('galaxy_upstream_errors_total', 'Failed model calls by provider and error code', ['provider', 'code'], rec.upstreamErrors);
  counter('galaxy_turns_total', 'Ended answers by model and outcome (done, stopped, abandoned, session-ended, timeout, error, shutdown)', ['model', 'outcome'], rec.turns);
  counter('galaxy_tokens_total', 'Tokens of model calls by model, tenant and direction (input, output)', ['model', 'tenant', 'direction'], rec.tokens);
  counter('galaxy_budget_refusals_total', 'Model calls refused because the tenant budget was used up', ['tenant'], rec.budgetRefusals);

  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) => new prom.Histogram<L>({ name, help, labelNames, buckets, registers });
  rec.toolDurations.attach(histogram('galaxy_tool_call_duration_seconds', 'Tool call duration by tool and outcome', ['tool', 'outcome'], DURATION_BUCKETS));
  rec.answerDurations.attach(histogram('galaxy_answer_duration_seconds', 'Answer duration from its start to its end (all model and tool rounds) by model', ['model'], ANSWER_BUCKETS));
  rec.firstTokens.attach(histogram('galaxy_time_to_first_token_seconds', 'Time from a model call to its first text token, by model', ['model'], FIRST_TOKEN_BUCKETS));
  rec.storeWrites.attach(histogram('galaxy_store_write_duration_seconds', 'Store write latency by operation and outcome', ['operation', 'outcome'], STORE_BUCKETS));

  // Budgets are read from the store at scrape time, so the gauges are exact and never stale. The
  // registry starts every collect in one loop, so both gauges share one read (and agree).
  let readings: Promise<BudgetReading[]> | undefined;
  const budgetsOnce = () =>
    (readings ??= read.budgets().finally(() => {
      readings = undefined;
    }));
  const budgetGauge = (name: string, help: string, value: (r: BudgetReading) => number) =>
    new prom.Gauge({
      name,
      help,
      labelNames: ['tenant', 'dimension'],
      registers,
      async collect() {
        this.reset();
        for (const r of await budgetsOnce()) this.set({ tenant: bounded(read.tenants, r.tenant), dimension: r.dimension }, value(r));
      },
    });
  budgetGauge('galaxy_budget_remaining', 'What is left of the tenant monthly budget, by dimension (requests, inputTokens, outputTokens)', (r) => Math.max(0, r.limit - r.used));
  budgetGauge('galaxy_budget_limit', 'The tenant monthly budget limit, by dimension', (r) => r.limit);

  new prom.Gauge({
    name: 'galaxy_mcp_server_status',
    help: 'MCP server state: 1 for its current status, 0 for the others',
    labelNames: ['server', 'status'],
    registers,
    collect() {
      this.reset();
      for (const [server, state] of Object.entries(read.mcpServers())) {
        for (const status of MCP_STATUSES) this.set({ server, status }, state.status === status ? 1 : 0);
      }
    },
  });
  return registry;
}
