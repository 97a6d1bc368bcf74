import { describe, expect, it } from 'vitest';
import type { ChatRecord } from '../../server/chat/records.js';
import { MetricsSink } from '../../server/metrics/metrics-sink.js';
import { NO_METRICS, type Metrics } from '../../server/metrics/metrics.js';

/** The sink turns a chat's facts into metric calls, for the tenant the chat works for at that moment. */

function recording(): { metrics: Metrics; calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = [];
  const metrics: Metrics = {
    ...NO_METRICS,
    modelCall: (call) => calls.push(['modelCall', call]),
    turnEnded: (model, reason, durationMs) => calls.push(['turnEnded', model, reason, durationMs]),
    budgetRefused: (tenant) => calls.push(['budgetRefused', tenant]),
  };
  return { metrics, calls };
}

const modelCall = (model: string, usage: { promptTokens: number; completionTokens: number }, firstTokenMs?: number): ChatRecord => ({
  kind: 'model-call',
  messageId: 'm1',
  model,
  round: 0,
  text: '',
  durationMs: 40,
  finishReason: 'stop',
  usage: { ...usage, totalTokens: usage.promptTokens + usage.completionTokens },
  toolCalls: [],
  ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
});

describe('MetricsSink', () => {
  it('counts tokens and first-token time per model call, under the tenant chosen before the first message', () => {
    const { metrics, calls } = recording();
    const sink = new MetricsSink(metrics, 'acme');
    sink.record(modelCall('fake', { promptTokens: 12, completionTokens: 5 }, 80));
    sink.record({ kind: 'tenant-selected', tenant: 'globex', model: 'fake', tools: [], dataSources: [] });
    sink.record(modelCall('fake', { promptTokens: 3, completionTokens: 0 }));
    expect(calls).toEqual([
      ['modelCall', { model: 'fake', tenant: 'acme', promptTokens: 12, completionTokens: 5, firstTokenMs: 80 }],
      ['modelCall', { model: 'fake', tenant: 'globex', promptTokens: 3, completionTokens: 0 }],
    ]);
  });

  it('takes the tenant from session-start when it names one', () => {
    const { metrics, calls } = recording();
    const sink = new MetricsSink(metrics, 'default');
    sink.record({ kind: 'session-start', sessionId: 's', user: 'a@b.example', model: 'demo', tools: [], dataSources: [], tenant: 'initech' });
    sink.record(modelCall('demo', { promptTokens: 1, completionTokens: 1 }));
    expect(calls[0]).toEqual(['modelCall', expect.objectContaining({ tenant: 'initech' })]);
  });

  it('ends a turn with its reason and the time from its start to its end', () => {
    const { metrics, calls } = recording();
    let now = 1_000;
    const sink = new MetricsSink(metrics, 'acme', () => now);
    sink.record({ kind: 'assistant-start', id: 'm1', model: 'fake', at: new Date(now).toISOString() });
    now = 3_500;
    sink.record({ kind: 'assistant-end', id: 'm1', model: 'fake', text: 'hi', reason: 'stopped', finishReason: 'aborted' });
    // An end whose start this sink never saw is counted without a duration.
    sink.record({ kind: 'assistant-end', id: 'm2', model: 'fake', text: '', reason: 'error', finishReason: 'error' });
    expect(calls).toEqual([
      ['turnEnded', 'fake', 'stopped', 2_500],
      ['turnEnded', 'fake', 'error', undefined],
    ]);
  });

  it('counts budget refusals from the audit trail, and no other audit line', () => {
    const { metrics, calls } = recording();
    const sink = new MetricsSink(metrics, 'acme');
    sink.record({ kind: 'audit', action: 'tool-call', tenant: 'acme', tool: 'basic_math' });
    sink.record({ kind: 'audit', action: 'budget-refused', tenant: 'acme', model: 'fake' });
    expect(calls).toEqual([['budgetRefused', 'acme']]);
  });
});
