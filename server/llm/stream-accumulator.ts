import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Usage } from '../protocol/server-events.js';
import type { ToolCallRequest } from './types.js';

/**
 * Joins raw OpenAI chat-completion stream chunks into text deltas, tool calls, a finish reason and
 * usage — tolerating what real providers actually send (design §5). We do not use the SDK's stream
 * helpers because they throw on several of these quirks.
 *
 * This runs once per chunk on the hot path, so `push` only does property checks and appends: no
 * logging, no serialising, and tool-argument fragments are kept as arrays joined once at the end
 * (repeatedly concatenating a growing string would copy it on every fragment).
 */

export interface AccumulatorLimits {
  /** Total answer text allowed before LLM_RESPONSE_TOO_LARGE. */
  maxResponseChars: number;
  /** Total tool-argument characters, over all calls, allowed before LLM_RESPONSE_TOO_LARGE. */
  maxToolArgsChars: number;
}

export interface AccumulatedAnswer {
  /**
   * The provider's finish reason, normalised so callers can trust it: 'tool_calls' whenever tool
   * calls are present (some providers say 'stop'), and never 'tool_calls' without any.
   */
  finishReason: string;
  toolCalls: ToolCallRequest[];
  usage?: Usage;
}

/** The loose shape we read chunks through; every field may be missing or of the wrong type. */
interface LooseChunk {
  choices?: unknown;
  usage?: unknown;
}
interface LooseChoice {
  index?: unknown;
  delta?: { content?: unknown; tool_calls?: unknown } | null;
  finish_reason?: unknown;
}
interface LooseToolFragment {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

interface PendingToolCall {
  id: string;
  name: string;
  argParts: string[];
  argChars: number;
}

export class StreamAccumulator {
  private readonly limits: AccumulatorLimits;
  private textChars = 0;
  private toolArgChars = 0;
  private finishReason: string | undefined;
  private readonly calls: PendingToolCall[] = [];
  private readonly callsByIndex = new Map<number, PendingToolCall>();
  private promptTokens = -1;
  private completionTokens = -1;
  private totalTokens = -1;
  /** The choice this stream is about, fixed by the first chunk that has any (see `choiceOf`). */
  private choiceIndex: number | undefined;

  constructor(limits: AccumulatorLimits) {
    this.limits = limits;
  }

  /** True once the followed choice carried a finish_reason. */
  get finished(): boolean {
    return this.finishReason !== undefined;
  }

  /**
   * Takes one parsed chunk and returns the text to forward now ('' when the chunk carried none).
   * Throws AppError('LLM_RESPONSE_TOO_LARGE') when the text or tool-argument cap is passed.
   */
  push(raw: unknown): string {
    if (typeof raw !== 'object' || raw === null) return '';
    const chunk = raw as LooseChunk;
    if (chunk.usage) this.recordUsage(chunk.usage);

    const choice = this.choiceOf(chunk.choices);
    if (choice === undefined) return '';
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      this.finishReason = choice.finish_reason;
    }
    const delta = choice.delta;
    if (typeof delta !== 'object' || delta === null) return '';
    if (delta.tool_calls !== undefined && delta.tool_calls !== null) this.pushToolCalls(delta.tool_calls);

    const content = delta.content;
    const text = typeof content === 'string' ? content : Array.isArray(content) ? textOfParts(content) : '';
    if (text.length === 0) return '';
    this.textChars += text.length;
    if (this.textChars > this.limits.maxResponseChars) {
      throw new AppError(
        'LLM_RESPONSE_TOO_LARGE',
        `The answer exceeded ${this.limits.maxResponseChars} characters and was stopped.`,
      );
    }
    return text;
  }

  /**
   * The joined result once the stream has ended. Throws AppError('LLM_STREAM_INCOMPLETE') when no
   * finish_reason was ever seen: the stream was cut short, and what we have may be half an answer.
   */
  finish(): AccumulatedAnswer {
    if (this.finishReason === undefined) {
      throw new AppError('LLM_STREAM_INCOMPLETE', 'The model stream ended without a finish reason.');
    }
    const toolCalls: ToolCallRequest[] = [];
    for (const call of this.calls) {
      // A fragment with neither name nor arguments is provider noise, not a call the model made.
      if (call.name === '' && call.argChars === 0) continue;
      toolCalls.push({
        // The tool loop pairs results with calls by id, so a call the provider left unnamed gets one.
        id: call.id || `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
        type: 'function',
        function: { name: call.name, arguments: call.argParts.join('') },
      });
    }
    let finishReason = this.finishReason;
    if (toolCalls.length > 0 && (finishReason === 'stop' || finishReason === 'function_call' || finishReason === 'tool_use')) {
      finishReason = 'tool_calls';
    } else if (toolCalls.length === 0 && finishReason === 'tool_calls') {
      finishReason = 'stop';
    }
    const answer: AccumulatedAnswer = { finishReason, toolCalls };
    const usage = this.usage();
    if (usage) answer.usage = usage;
    return answer;
  }

  /**
   * The choice to follow: index 0 (a missing index counts as 0) when the first chunk with choices has
   * one, else that chunk's first choice — a few gateways number the only choice 1. Once chosen, the
   * index is kept, so with n > 1 the other choices' chunks are ignored rather than mixed in.
   */
  private choiceOf(choices: unknown): LooseChoice | undefined {
    if (!Array.isArray(choices) || choices.length === 0) return undefined;
    if (this.choiceIndex === undefined) {
      const found = (choices as unknown[]).filter(isChoice);
      const chosen = found.find((c) => indexOf(c) === 0) ?? found[0];
      if (chosen === undefined) return undefined;
      this.choiceIndex = indexOf(chosen);
      return chosen;
    }
    const first = choices[0];
    if (isChoice(first) && indexOf(first) === this.choiceIndex) return first;
    for (const c of choices as unknown[]) if (isChoice(c) && indexOf(c) === this.choiceIndex) return c;
    return undefined;
  }

  private pushToolCalls(fragments: unknown): void {
    if (!Array.isArray(fragments)) return;
    for (const item of fragments) {
      if (typeof item !== 'object' || item === null) continue;
      const fragment = item as LooseToolFragment;
      const fn = typeof fragment.function === 'object' && fragment.function !== null ? fragment.function : undefined;
      const id = typeof fragment.id === 'string' ? fragment.id : '';
      const name = typeof fn?.name === 'string' ? fn.name : '';
      const call = this.callFor(fragment.index, id, name);
      if (id !== '' && call.id === '') call.id = id;
      if (name !== '' && call.name === '') call.name = name;
      const args = fn?.arguments;
      if (typeof args === 'string') {
        if (args.length > 0) this.appendArguments(call, args);
      } else if (typeof args === 'object' && args !== null) {
        // A few OpenAI-compatible servers send arguments already parsed; rare, so serialising here is fine.
        this.appendArguments(call, JSON.stringify(args));
      }
    }
  }

  /** Finds the call a fragment continues, or starts a new one. Order of evidence: index, then id, then "the last call". */
  private callFor(rawIndex: unknown, id: string, name: string): PendingToolCall {
    const index = typeof rawIndex === 'number' ? rawIndex : undefined;
    const last = this.calls[this.calls.length - 1];
    let call: PendingToolCall | undefined;
    if (index !== undefined) call = this.callsByIndex.get(index);
    else if (id !== '') call = this.calls.find((c) => c.id === id) ?? (last && last.id === '' ? last : undefined);
    else call = last;

    // Some providers number every whole call 0, or send whole calls without index: a different id,
    // or a different name after arguments began, can only be the start of another call.
    if (call && ((id !== '' && call.id !== '' && id !== call.id) || (name !== '' && call.name !== '' && name !== call.name && call.argChars > 0))) {
      call = undefined;
    }
    if (call === undefined) {
      call = { id: '', name: '', argParts: [], argChars: 0 };
      this.calls.push(call);
      if (index !== undefined) this.callsByIndex.set(index, call);
    }
    return call;
  }

  private appendArguments(call: PendingToolCall, args: string): void {
    this.toolArgChars += args.length;
    // Checked before keeping the fragment, so a hostile stream never makes us hold more than the cap.
    if (this.toolArgChars > this.limits.maxToolArgsChars) {
      throw new AppError(
        'LLM_RESPONSE_TOO_LARGE',
        `The tool-call arguments exceeded ${this.limits.maxToolArgsChars} characters and were stopped.`,
      );
    }
    call.argParts.push(args);
    call.argChars += args.length;
  }

  private recordUsage(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const usage = raw as { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
    // Providers send usage once, on the finish chunk, or cumulatively on every chunk (some split
    // prompt and completion counts over different chunks), so the largest value seen is the truth.
    if (typeof usage.prompt_tokens === 'number' && usage.prompt_tokens > this.promptTokens) this.promptTokens = usage.prompt_tokens;
    if (typeof usage.completion_tokens === 'number' && usage.completion_tokens > this.completionTokens) {
      this.completionTokens = usage.completion_tokens;
    }
    if (typeof usage.total_tokens === 'number' && usage.total_tokens > this.totalTokens) this.totalTokens = usage.total_tokens;
  }

  private usage(): Usage | undefined {
    if (this.promptTokens < 0 && this.completionTokens < 0 && this.totalTokens < 0) return undefined;
    const promptTokens = Math.max(this.promptTokens, 0);
    const completionTokens = Math.max(this.completionTokens, 0);
    return { promptTokens, completionTokens, totalTokens: Math.max(this.totalTokens, promptTokens + completionTokens) };
  }
}

function isChoice(value: unknown): value is LooseChoice {
  return typeof value === 'object' && value !== null;
}

function indexOf(choice: LooseChoice): number {
  return typeof choice.index === 'number' ? choice.index : 0;
}

/** Content sent as an array of parts (a few providers do): the text parts, joined. */
function textOfParts(parts: unknown[]): string {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text') {
      const t = (part as { text?: unknown }).text;
      if (typeof t === 'string') text += t;
    }
  }
  return text;
}
