import { AppError } from '../errors.js';
import type { ModelConfig } from './llm-config.js';
import type { ChatModel, ModelEvent } from './types.js';

export /** Stands in for a model that is listed but cannot be used (key missing, calls disabled): every call says why. */
class UnavailableModel implements ChatModel {
  readonly name: string;
  readonly label: string;
  readonly provider: string;
  readonly demo = false;
  private readonly reason: string;

  constructor(config: ModelConfig, reason: string) {
    this.name = config.name;
    this.label = config.label;
    this.provider = config.provider;
    this.reason = reason;
  }

  async *stream(): AsyncGenerator<ModelEvent, void, undefined> {
    throw new AppError('MODEL_UNAVAILABLE', `${this.label} is not available: ${this.reason}.`);
  }

  async ping(): Promise<void> {
    throw new AppError('MODEL_UNAVAILABLE', `${this.label} is not available: ${this.reason}.`);
  }
}
