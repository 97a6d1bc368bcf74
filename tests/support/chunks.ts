/**
 * Builders for raw OpenAI chat-completion stream chunks, as a provider would send them on the wire.
 * They return plain objects (not the SDK's types) on purpose: fixtures must be able to describe
 * malformed and quirky chunks — a missing `index`, an empty `choices`, a choice with no `delta` —
 * that the SDK's types would reject.
 */

export type RawChunk = Record<string, unknown>;

export interface ChunkOptions {
  /** The completion id every chunk of one answer shares. */
  id?: string;
  model?: string;
  /** Which choice the delta belongs to; providers that return several choices use 1, 2, … */
  choiceIndex?: number;
  /** Usage to attach to this same chunk (some providers send usage on every chunk or on the finish chunk). */
  usage?: UsageNumbers;
}

export interface UsageNumbers {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

const DEFAULT_ID = 'chatcmpl-fake';
const DEFAULT_MODEL = 'fake-model';

function envelope(choices: unknown[], options: ChunkOptions = {}): RawChunk {
  const chunk: RawChunk = {
    id: options.id ?? DEFAULT_ID,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: options.model ?? DEFAULT_MODEL,
    choices,
  };
  if (options.usage) chunk.usage = usageObject(options.usage);
  return chunk;
}

function usageObject(usage: UsageNumbers): RawChunk {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

function choice(delta: RawChunk | undefined, finishReason: string | null, options: ChunkOptions): RawChunk {
  const c: RawChunk = { index: options.choiceIndex ?? 0, finish_reason: finishReason };
  if (delta !== undefined) c.delta = delta;
  return c;
}

/** The first chunk most providers send: `delta: {role: 'assistant', content: ''}`. */
export function roleChunk(options: ChunkOptions = {}): RawChunk {
  return envelope([choice({ role: 'assistant', content: '' }, null, options)], options);
}

/** A chunk carrying a piece of answer text. */
export function textChunk(text: string, options: ChunkOptions = {}): RawChunk {
  return envelope([choice({ content: text }, null, options)], options);
}

/** The chunk that ends a choice, with an empty delta (`finish_reason: 'stop' | 'tool_calls' | 'length' …`). */
export function finishChunk(finishReason = 'stop', options: ChunkOptions = {}): RawChunk {
  return envelope([choice({}, finishReason, options)], options);
}

/** OpenAI's `stream_options.include_usage` chunk: usage with an empty `choices` array. */
export function usageChunk(promptTokens: number, completionTokens: number, options: ChunkOptions = {}): RawChunk {
  return envelope([], { ...options, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens } });
}

export interface ToolCallFragment {
  /** Omit to produce the quirk where providers leave out `index`. */
  index?: number;
  /** Omit, or pass '' to produce the repeated/empty-id quirk on later fragments. */
  id?: string;
  /** Set to false to leave out `type: 'function'` (another quirk). Defaults to true when a name is given. */
  withType?: boolean;
  name?: string;
  arguments?: string;
}

/** A chunk with one (or several) tool-call fragments in `delta.tool_calls`. */
export function toolCallChunk(fragments: ToolCallFragment | ToolCallFragment[], options: ChunkOptions = {}): RawChunk {
  const list = Array.isArray(fragments) ? fragments : [fragments];
  const toolCalls = list.map((f) => {
    const call: RawChunk = {};
    if (f.index !== undefined) call.index = f.index;
    if (f.id !== undefined) call.id = f.id;
    if (f.withType ?? f.name !== undefined) call.type = 'function';
    const fn: RawChunk = {};
    if (f.name !== undefined) fn.name = f.name;
    if (f.arguments !== undefined) fn.arguments = f.arguments;
    call.function = fn;
    return call;
  });
  return envelope([choice({ tool_calls: toolCalls }, null, options)], options);
}

/** The body some providers send inside an HTTP 200 stream when they fail mid-answer. */
export function errorChunk(message: string, type = 'server_error', code: string | null = null): RawChunk {
  return { error: { message, type, code } };
}

/**
 * A complete, well-behaved streamed answer: role chunk, one chunk per word, a finish chunk and the
 * usage chunk — what OpenAI sends with `stream_options: {include_usage: true}`.
 */
export function answerChunks(
  text: string,
  options: ChunkOptions & { finishReason?: string; promptTokens?: number } = {},
): RawChunk[] {
  const pieces = splitWords(text);
  return [
    roleChunk(options),
    ...pieces.map((piece) => textChunk(piece, options)),
    finishChunk(options.finishReason ?? 'stop', options),
    usageChunk(options.promptTokens ?? 10, pieces.length, options),
  ];
}

/** A complete streamed tool call answer: role chunk, the call split into a name fragment and argument fragments. */
export function toolCallAnswerChunks(
  call: { id: string; name: string; arguments: string },
  options: ChunkOptions & { fragmentChars?: number } = {},
): RawChunk[] {
  const size = options.fragmentChars ?? 8;
  const argPieces: string[] = [];
  for (let i = 0; i < call.arguments.length; i += size) argPieces.push(call.arguments.slice(i, i + size));
  return [
    roleChunk(options),
    toolCallChunk({ index: 0, id: call.id, name: call.name, arguments: '' }, options),
    ...argPieces.map((piece) => toolCallChunk({ index: 0, arguments: piece }, options)),
    finishChunk('tool_calls', options),
    usageChunk(10, argPieces.length + 1, options),
  ];
}

/** Splits text into word pieces that keep their trailing whitespace, so joining them gives the text back. */
export function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** One server-sent event line for a JSON payload. */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}
