import { AppError } from '../errors.js';
import type { ChatModel, ModelEvent, StreamRequest } from '../llm/types.js';
import { ToolRegistry } from '../tools/registry.js';
import type { ToolContext, ToolOutcome } from '../tools/tool.js';
import type { Metrics } from './metrics.js';

/**
 * Decorators that record into Metrics at wiring time (server/domain.ts), so the tools and chat
 * modules stay unaware of metrics.
 */

export class MeteredToolRegistry extends ToolRegistry {
  private metrics: Metrics | undefined;

  meter(metrics: Metrics): this {
    this.metrics = metrics;
    return this;
  }

  override async execute(name: string, rawArgs: string, selected: readonly string[], ctx: ToolContext): Promise<ToolOutcome> {
    const outcome = await super.execute(name, rawArgs, selected, ctx);
    this.metrics?.toolCall(name, outcome.ok ? 'ok' : outcome.code, outcome.durationMs);
    return outcome;
  }
}

/**
 * Counts a model's failed streams by error code. A stream stopped by its consumer is not an error,
 * and neither is a model that is listed but unusable (MODEL_UNAVAILABLE: no request went out).
 */
export function meteredModel(model: ChatModel, metrics: Metrics): ChatModel {
  if (model.demo) return model;
  return {
    name: model.name,
    label: model.label,
    provider: model.provider,
    demo: model.demo,
    ping: (signal) => model.ping(signal),
    async *stream(request: StreamRequest): AsyncGenerator<ModelEvent, void, undefined> {
      try {
        yield* model.stream(request);
      } catch (err) {
        const code = err instanceof AppError ? err.code : 'INTERNAL';
        if (!request.signal.aborted && code !== 'MODEL_UNAVAILABLE') metrics.upstreamError(model.provider, code);
        throw err;
      }
    },
  };
}
