import type { ChatRecord, RecordSink } from '../chat/records.js';
import type { Metrics } from './metrics.js';

/**
 * Turns one chat's facts into metrics: a RecordSink beside the transcript and the store (app.ts
 * `sinksFor`), so the chat code records each fact once and knows nothing of metrics. It follows
 * which tenant the chat works for (it may change before the first message), so tokens and budget
 * refusals are counted for the right one.
 */
export class MetricsSink implements RecordSink {
  private tenant: string;
  /** When each answer of this chat started, by message id, for its duration. */
  private readonly answerStarts = new Map<string, number>();

  constructor(
    private readonly metrics: Metrics,
    tenant: string,
    private readonly now: () => number = Date.now,
  ) {
    this.tenant = tenant;
  }

  record(fact: ChatRecord): void {
    switch (fact.kind) {
      case 'session-start':
        if (fact.tenant !== undefined) this.tenant = fact.tenant;
        return;
      case 'tenant-selected':
        this.tenant = fact.tenant;
        return;
      case 'assistant-start':
        this.answerStarts.set(fact.id, this.now());
        return;
      case 'model-call':
        return this.metrics.modelCall({
          model: fact.model,
          tenant: this.tenant,
          promptTokens: fact.usage.promptTokens,
          completionTokens: fact.usage.completionTokens,
          ...(fact.firstTokenMs !== undefined ? { firstTokenMs: fact.firstTokenMs } : {}),
        });
      case 'assistant-end': {
        const started = this.answerStarts.get(fact.id);
        this.answerStarts.delete(fact.id);
        // An end without its start (never expected) still counts the turn, with no made-up duration.
        return this.metrics.turnEnded(fact.model, fact.reason, started === undefined ? undefined : this.now() - started);
      }
      case 'audit':
        if (fact.action === 'budget-refused') this.metrics.budgetRefused(fact.tenant);
        return;
      default:
        return;
    }
  }
}
