import type { Usage } from '../protocol/server-events.js';

/** A message in OpenAI chat format, as the session history keeps it. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCallRequest[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A complete tool call from the model, after all its streamed fragments were joined. */
export interface ToolCallRequest {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/**
 * What a model stream yields, whatever the provider: text as it arrives, then exactly one `done`
 * with the joined tool calls, the finish reason and usage when the provider reported it. A stream
 * that cannot finish properly throws an AppError (LLM_STREAM_INCOMPLETE, LLM_STALLED, …) instead.
 */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'done'; finishReason: string; toolCalls: ToolCallRequest[]; usage?: Usage };

export interface StreamRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
}

/** One configured model, ready to stream. Implemented by the OpenAI-compatible client and the demo model. */
export interface ChatModel {
  readonly name: string;
  readonly label: string;
  readonly provider: string;
  readonly demo: boolean;
  stream(request: StreamRequest): AsyncIterable<ModelEvent>;
  /** A tiny request to prove the model answers; throws an AppError when it does not. */
  ping(signal: AbortSignal): Promise<void>;
}
