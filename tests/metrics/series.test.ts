import { describe, expect, it } from 'vitest';
import { PrometheusMetrics, type BudgetReading, type PrometheusMetricsOptions } from '../../server/metrics/metrics.js';

/** The chat, budget, MCP and store series as Prometheus renders them, with fakes behind the scrape-time readers. */

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
};

function metricsWith(extra: Partial<PrometheusMetricsOptions> = {}): PrometheusMetrics {
  return new PrometheusMetrics({ toolNames: [], providers: ['openai'], models: ['fake', 'demo'], tenants: ['acme', 'globex'], liveSessions: () => 0, ...extra });
}

describe('PrometheusMetrics chat series', () => {
  it('counts turns by model and outcome and observes answer durations by model', async () => {
    const metrics = metricsWith();
    metrics.turnEnded('fake', 'done', 1_500);
    metrics.turnEnded('fake', 'done', 300);
    metrics.turnEnded('fake', 'timeout', 60_000);
    metrics.turnEnded('demo', 'stopped', undefined);
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_turns_total{model="fake",outcome="done"}')).toBe(2);
    expect(sample(text, 'galaxy_turns_total{model="fake",outcome="timeout"}')).toBe(1);
    expect(sample(text, 'galaxy_turns_total{model="demo",outcome="stopped"}')).toBe(1);
    expect(sample(text, 'galaxy_answer_duration_seconds_count{model="fake"}')).toBe(3);
    expect(sample(text, 'galaxy_answer_duration_seconds_sum{model="fake"}')).toBeCloseTo(61.8);
    expect(sample(text, 'galaxy_answer_duration_seconds_bucket{le="0.5",model="fake"}')).toBe(1);
    // A turn without a known duration is counted but not observed.
    expect(sample(text, 'galaxy_answer_duration_seconds_count{model="demo"}')).toBeNaN();
  });

  it('counts tokens by model, tenant and direction, and first-token time only when a token came', async () => {
    const metrics = metricsWith();
    metrics.modelCall({ model: 'fake', tenant: 'acme', promptTokens: 100, completionTokens: 20, firstTokenMs: 250 });
    metrics.modelCall({ model: 'fake', tenant: 'acme', promptTokens: 50, completionTokens: 0 });
    metrics.modelCall({ model: 'fake', tenant: 'globex', promptTokens: 7, completionTokens: 3, firstTokenMs: 1_200 });
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_tokens_total{model="fake",tenant="acme",direction="input"}')).toBe(150);
    expect(sample(text, 'galaxy_tokens_total{model="fake",tenant="acme",direction="output"}')).toBe(20);
    expect(sample(text, 'galaxy_tokens_total{model="fake",tenant="globex",direction="output"}')).toBe(3);
    expect(sample(text, 'galaxy_time_to_first_token_seconds_count{model="fake"}')).toBe(2);
    expect(sample(text, 'galaxy_time_to_first_token_seconds_bucket{le="0.25",model="fake"}')).toBe(1);
  });

  it('maps models, tenants and outcomes outside the configured ones to "other"', async () => {
    const metrics = metricsWith();
    for (let i = 0; i < 50; i += 1) {
      metrics.modelCall({ model: `x${i}`, tenant: `mallory${i}@evil.example`, promptTokens: 1, completionTokens: 1 });
      metrics.turnEnded(`x${i}`, `reason-${i}` as 'done', 10);
      metrics.budgetRefused(`t${i}`);
    }
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_tokens_total{model="other",tenant="other",direction="input"}')).toBe(50);
    expect(sample(text, 'galaxy_turns_total{model="other",outcome="other"}')).toBe(50);
    expect(sample(text, 'galaxy_budget_refusals_total{tenant="other"}')).toBe(50);
    expect(text).not.toMatch(/mallory|evil\.example|reason-/);
  });

  it('reads remaining budget at every scrape, by tenant and dimension, never below zero', async () => {
    let readings: BudgetReading[] = [
      { tenant: 'acme', dimension: 'requests', limit: 10, used: 4 },
      { tenant: 'acme', dimension: 'outputTokens', limit: 100, used: 130 },
    ];
    let reads = 0;
    const metrics = metricsWith({ budgets: async () => (reads += 1, readings) });
    metrics.budgetRefused('acme');
    let text = (await metrics.render()).text;
    expect(sample(text, 'galaxy_budget_remaining{tenant="acme",dimension="requests"}')).toBe(6);
    expect(sample(text, 'galaxy_budget_remaining{tenant="acme",dimension="outputTokens"}')).toBe(0);
    expect(sample(text, 'galaxy_budget_limit{tenant="acme",dimension="outputTokens"}')).toBe(100);
    expect(sample(text, 'galaxy_budget_refusals_total{tenant="acme"}')).toBe(1);
    // Both budget gauges share one read per scrape.
    expect(reads).toBe(1);
    readings = [{ tenant: 'acme', dimension: 'requests', limit: 10, used: 9 }];
    text = (await metrics.render()).text;
    expect(sample(text, 'galaxy_budget_remaining{tenant="acme",dimension="requests"}')).toBe(1);
    expect(sample(text, 'galaxy_budget_remaining{tenant="acme",dimension="outputTokens"}')).toBeNaN();
    expect(reads).toBe(2);
  });

  it('shows each MCP server with 1 on its current status and 0 on the others', async () => {
    let status: 'connected' | 'unavailable' = 'connected';
    const metrics = metricsWith({ mcpServers: () => ({ github: { status }, wiki: { status: 'starting' } }) });
    let text = (await metrics.render()).text;
    expect(sample(text, 'galaxy_mcp_server_status{server="github",status="connected"}')).toBe(1);
    expect(sample(text, 'galaxy_mcp_server_status{server="github",status="unavailable"}')).toBe(0);
    expect(sample(text, 'galaxy_mcp_server_status{server="wiki",status="starting"}')).toBe(1);
    status = 'unavailable';
    text = (await metrics.render()).text;
    expect(sample(text, 'galaxy_mcp_server_status{server="github",status="connected"}')).toBe(0);
    expect(sample(text, 'galaxy_mcp_server_status{server="github",status="unavailable"}')).toBe(1);
  });

  it('observes store writes by operation and outcome, also those made before prom-client loaded', async () => {
    const metrics = metricsWith();
    metrics.storeWrite('upsertMessage', true, 0.02);
    metrics.storeWrite('upsertMessage', true, 7);
    metrics.storeWrite('reserveBudget', false, 1);
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_store_write_duration_seconds_count{operation="upsertMessage",outcome="ok"}')).toBe(2);
    expect(sample(text, 'galaxy_store_write_duration_seconds_bucket{le="0.0001",operation="upsertMessage",outcome="ok"}')).toBe(1);
    expect(sample(text, 'galaxy_store_write_duration_seconds_count{operation="reserveBudget",outcome="error"}')).toBe(1);
  });

  it('keeps the event-loop lag from the default metrics', async () => {
    const { text } = await metricsWith().render();
    expect(text).toContain('# TYPE galaxy_nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE galaxy_nodejs_eventloop_lag_p99_seconds gauge');
  });
});

describe('PrometheusMetrics tool labels', () => {
  it('learns tools offered after start (MCP) as they are called, up to a cap, and keeps others as "other"', async () => {
    const offered = new Set(['search_issues', ...Array.from({ length: 300 }, (_, i) => `remote_${i}`)]);
    const metrics = new PrometheusMetrics({ toolNames: ['basic_math'], isTool: (name) => offered.has(name), providers: [], models: [], tenants: [], liveSessions: () => 0 });
    metrics.toolCall('search_issues', 'ok', 30);
    metrics.toolCall('never_offered', 'ok', 30);
    for (let i = 0; i < 300; i += 1) metrics.toolCall(`remote_${i}`, 'ok', 1);
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_tool_calls_total{tool="search_issues",outcome="ok"}')).toBe(1);
    // basic_math and search_issues take two of the 200 names; 198 remote tools fit, 102 do not.
    expect(sample(text, 'galaxy_tool_calls_total{tool="remote_197",outcome="ok"}')).toBe(1);
    expect(sample(text, 'galaxy_tool_calls_total{tool="remote_198",outcome="ok"}')).toBeNaN();
    expect(sample(text, 'galaxy_tool_calls_total{tool="other",outcome="ok"}')).toBe(1 + 102);
  });
});
