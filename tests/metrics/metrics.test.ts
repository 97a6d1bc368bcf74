import { describe, expect, it, onTestFinished } from 'vitest';
import { PrometheusMetrics } from '../../server/metrics/metrics.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

/** /metrics on a real server: who may read it, and that what happens shows up in it. */

async function galaxy(env: Record<string, string> = {}): Promise<Galaxy> {
  const g = await startGalaxy({ env });
  onTestFinished(() => g.close());
  return g;
}

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('answers a trusted scraper without identity, and nobody coming through the proxy as a person', async () => {
    const g = await galaxy();
    const scrape = await g.get('/metrics', {});
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    for (const name of ['galaxy_websocket_connections', 'galaxy_live_sessions', 'galaxy_tool_calls_total', 'galaxy_upstream_errors_total', 'galaxy_nodejs_eventloop_lag_seconds', 'galaxy_process_resident_memory_bytes']) {
      expect(scrape.text).toContain(`# TYPE ${name}`);
    }
    const asPerson = await g.get('/metrics', { 'X-EMAIL-USER': 'alice@example.com' });
    expect(asPerson.status).toBe(403);
  });

  it('needs METRICS_TOKEN from a peer outside TRUSTED_PROXIES', async () => {
    const g = await galaxy({ TRUSTED_PROXIES: '10.9.9.9/32', METRICS_TOKEN: 'scrape-token-123' });
    expect((await g.get('/metrics', {})).status).toBe(403);
    expect((await g.get('/metrics', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await g.get('/metrics', { Authorization: 'Bearer scrape-token-123' })).status).toBe(200);
  });

  it('counts connections, sessions, tool calls by tool and outcome, and upstream errors', async () => {
    const g = await galaxy();
    const { client } = await g.open();
    client.send({ type: 'select-model', model: 'demo' });
    await client.next('model-selected');
    client.send({ type: 'select-tools', tools: ['basic_math'], dataSources: [] });
    await client.next('selection');
    client.send({ type: 'send', text: 'calculate 6*7' });
    await client.next('tool-result');
    await client.next('message-end');
    let text = (await g.get('/metrics', {})).text;
    expect(sample(text, 'galaxy_websocket_connections')).toBe(1);
    expect(sample(text, 'galaxy_live_sessions')).toBe(1);
    expect(sample(text, 'galaxy_tool_calls_total{tool="basic_math",outcome="ok"}')).toBe(1);
    expect(sample(text, 'galaxy_tool_call_duration_seconds_count{tool="basic_math",outcome="ok"}')).toBe(1);

    client.send({ type: 'select-model', model: 'fake' });
    await client.next('model-selected');
    g.upstream.enqueue({ status: 500, headers: { 'retry-after-ms': '0' } }, { status: 500, headers: { 'retry-after-ms': '0' } });
    client.send({ type: 'send', text: 'this fails upstream' });
    await client.next('message-end');
    text = (await g.get('/metrics', {})).text;
    expect(text).toMatch(/^galaxy_upstream_errors_total\{provider="openai-compatible",code="LLM_[A-Z_]+"\} 1$/m);
    client.close();
    await client.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(sample((await g.get('/metrics', {})).text, 'galaxy_websocket_connections')).toBe(0);
  });

  it('serves only /metrics, without auth, on METRICS_PORT', async () => {
    const g = await galaxy({ METRICS_PORT: '0' });
    expect(g.server.metricsPort).toBeUndefined();
    const withPort = await galaxy({ METRICS_PORT: String(20000 + Math.floor(Math.random() * 20000)) });
    const port = withPort.server.metricsPort!;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'X-EMAIL-USER': 'alice@example.com' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('galaxy_websocket_connections');
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(404);
  });

  it('keeps label values bounded ("other"), and counts what happened before prom-client loaded', async () => {
    const metrics = new PrometheusMetrics({ toolNames: ['basic_math'], providers: ['openai'], models: ['demo'], tenants: ['default'], liveSessions: () => 0 });
    for (let i = 0; i < 100; i += 1) {
      metrics.toolCall(`made_up_${i}`, `WEIRD_${i}`, 5);
      metrics.upstreamError(`provider-${i}`, `CODE_${i}`);
    }
    const { text } = await metrics.render();
    expect(sample(text, 'galaxy_tool_calls_total{tool="other",outcome="other"}')).toBe(100);
    expect(sample(text, 'galaxy_upstream_errors_total{provider="other",code="other"}')).toBe(100);
    expect(text).not.toContain('made_up_');
    // Recorded before the first render loaded prom-client: replayed, not lost.
    expect(sample(text, 'galaxy_tool_call_duration_seconds_count{tool="other",outcome="other"}')).toBe(100);
    metrics.toolCall('basic_math', 'ok', 20);
    expect(sample((await metrics.render()).text, 'galaxy_tool_call_duration_seconds_count{tool="basic_math",outcome="ok"}')).toBe(1);
  });
});
