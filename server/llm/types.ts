import type { Usage } from '../protocol/server-events.js';

/**
 * A message as the chat keeps it: provider-neutral. Each model client maps it to its own wire
 * format (server/llm/openai-wire.ts for the OpenAI-compatible API).
 */
export type ChatMessage =
  | { role: 'system'; text: string }
  | { role: 'user'; text: string; files?: ModelFile[] }
  | { role: 'assistant'; text: string; toolCalls?: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; text: string };

/** A file sent with a user message: text the model reads, or an image for a model that accepts images. */
export type ModelFile =
  | { kind: 'text'; name: string; mime: string; text: string }
  | { kind: 'image'; name: string; mime: string; base64: string };

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
  /** The most output tokens this call may produce (the model's own limit when smaller). */
  maxOutputTokens?: number;
  tools: ToolSpec[];
  signal: AbortSignal;
  /**
   * The chat's tenant's credentials. A model whose `api_key` is one `${VAR}` uses the tenant's value
   * of VAR when it has one, so each client organisation can be billed on its own provider key.
   */
  credentials?: Readonly<Record<string, string>>;
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
