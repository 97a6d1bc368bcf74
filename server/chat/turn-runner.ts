import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { ModelLimits } from '../llm/model-registry.js';
import type { TokenCounter } from '../llm/token-count.js';
import type { ChatModel, ModelEvent, ToolCallRequest } from '../llm/types.js';
import type { Usage } from '../protocol/server-events.js';
import { newId } from '../sessions/session-manager.js';
import type { RunningTurn, Session } from '../sessions/session.js';
import { fitHistory } from './context-window.js';
import { DeltaBuffer } from './delta-buffer.js';
import type { CallUsage } from './records.js';
import { StreamRedactor, redactWhole } from './stream-redactor.js';
import { StatusTicker } from './status-ticker.js';
import { runToolCalls, type ToolCallDeps } from './tool-calls.js';
import type { TurnBudget } from './tenant-actions.js';
import { outcomeOf, type TurnOutcome } from './turn-end.js';

export interface TurnSettings {
  thinkingIntervalMs: number;
  turnTimeoutMs: number;
  deltaFlushMs: number;
  maxToolRounds: number;
}

export interface TurnDeps extends ToolCallDeps {
  settings: TurnSettings;
  systemPrompt: string;
  limits: ModelLimits;
  countTokens: TokenCounter;
  /** The tenant's budget; absent = unlimited. Every model call is reserved before and settled after. */
  budget?: TurnBudget;
  /** The output cap reserved (and sent) for a model that states none, when a budget needs one. */
  defaultOutputTokens: number;
}

/** Output tokens assumed for fitting the context when a model states no cap of its own. */
const DEFAULT_RESERVED_OUTPUT_TOKENS = 1024;

export const CONTEXT_TRIMMED_NOTICE = 'Earlier messages of this chat no longer fit the model and were left out of its view.';

function addUsage(total: Usage | undefined, add: Usage): Usage {
  if (!total) return { promptTokens: add.promptTokens, completionTokens: add.completionTokens, totalTokens: add.totalTokens };
  return {
    promptTokens: total.promptTokens + add.promptTokens,
    completionTokens: total.completionTokens + add.completionTokens,
    totalTokens: total.totalTokens + add.totalTokens,
  };
}

/**
 * Starts one answer: the model streams with the chat's history, tool calls run in bounded rounds,
 * and the turn always ends through `finish` — exactly one `assistant-end` fact, whose reason says
 * how (done, stopped, abandoned, session-ended, timeout, error, shutdown). It keeps running if the
 * socket drops (see SessionManager).
 */
export function startTurn(session: Session, model: ChatModel, deps: TurnDeps): RunningTurn {
  const messageId = newId('m');
  const controller = new AbortController();
  const done = runTurn(session, model, deps, messageId, controller).finally(() => {
    session.turn = null;
  });
  const turn: RunningTurn = { messageId, controller, done };
  session.turn = turn;
  return turn;
}

/** What one model call produced, whether or not it finished. */
interface RoundResult {
  text: string;
  finished?: Extract<ModelEvent, { type: 'done' }>;
}

async function runTurn(session: Session, model: ChatModel, deps: TurnDeps, messageId: string, controller: AbortController): Promise<void> {
  const { settings } = deps;
  const log: Logger = deps.log.child({ sessionId: session.id, messageId });
  const signal = controller.signal;
  const timeout = setTimeout(() => controller.abort(new AppError('TURN_TIMEOUT')), settings.turnTimeoutMs);
  const status = new StatusTicker(session, settings.thinkingIntervalMs);
  const deltas = new DeltaBuffer(session, messageId, settings.deltaFlushMs, new StreamRedactor(deps.redactor.secrets));
  let text = '';
  let usage: Usage | undefined;
  session.record({ kind: 'assistant-start', id: messageId, model: model.name, at: new Date().toISOString() });

  const finish = (outcome: TurnOutcome) => {
    deltas.flush();
    session.record({
      kind: 'assistant-end',
      id: messageId,
      model: model.name,
      // The stored and logged answer never keeps a secret an upstream echoed (the model's view does).
      text: redactWhole(text, deps.redactor.secrets),
      reason: outcome.reason,
      finishReason: outcome.finishReason,
      ...(usage ? { usage } : {}),
      ...(outcome.error
        ? {
            error: {
              code: outcome.error.code,
              message: redactWhole(outcome.error.message, deps.redactor.secrets),
              stack: outcome.error.stack ?? '',
              ...(Object.keys(outcome.error.details).length > 0 ? { details: outcome.error.details } : {}),
            },
          }
        : {}),
    });
  };

  /** Streams one model call; always records its `model-call` fact (with counted usage when none came). */
  const round = async (index: number, result: RoundResult): Promise<void> => {
    status.start('Thinking…');
    const started = Date.now();
    const reserved = deps.limits.maxOutputTokens ?? DEFAULT_RESERVED_OUTPUT_TOKENS;
    const fitted = fitHistory(deps.countTokens, { role: 'system', text: deps.systemPrompt }, session.history, deps.limits.contextTokens, reserved);
    if (fitted.omitted > 0 && !session.noticesGiven.has('context-trimmed')) {
      session.noticesGiven.add('context-trimmed');
      session.record({ kind: 'notice', key: 'context-trimmed', text: CONTEXT_TRIMMED_NOTICE });
    }
    // Refused here, before any request reaches the provider (BUDGET_EXCEEDED ends the turn).
    const hold = await deps.budget?.reserve(fitted.promptTokens, deps.limits.maxOutputTokens ?? deps.defaultOutputTokens);
    const maxOutputTokens = hold?.maxOutputTokens ?? deps.limits.maxOutputTokens;
    let firstTokenMs: number | undefined;
    try {
      const stream = model.stream({
        messages: fitted.messages,
        tools: deps.tools.specsFor(session.who, session.tools),
        signal,
        credentials: deps.credentials,
        ...(maxOutputTokens ? { maxOutputTokens } : {}),
      });
      for await (const event of stream) {
        if (event.type === 'text') {
          if (firstTokenMs === undefined) {
            firstTokenMs = Date.now() - started;
            status.stop();
          }
          result.text += event.text;
          deltas.push(event.text);
          // A slow reader pauses the upstream rather than growing our buffers.
          if (session.readerCongested) await session.waitForReader(signal);
        } else {
          result.finished = event;
        }
      }
    } finally {
      status.stop();
      const callUsage = result.finished?.usage ? { ...result.finished.usage } : estimateUsage(deps.countTokens, fitted.promptTokens, result.text, result.finished?.toolCalls ?? []);
      usage = addUsage(usage, callUsage);
      // Stopped, failed and timed-out calls are settled too, to what they really used (or counted).
      await hold?.settle({ promptTokens: callUsage.promptTokens, completionTokens: callUsage.completionTokens });
      session.record({
        kind: 'model-call',
        messageId,
        model: model.name,
        round: index,
        // The round's text: lets the .txt export put it before the tool calls it announced.
        text: result.text,
        ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
        durationMs: Date.now() - started,
        finishReason: result.finished?.finishReason ?? (signal.aborted ? 'aborted' : 'error'),
        usage: callUsage,
        toolCalls: result.finished?.toolCalls ?? [],
      });
    }
  };

  try {
    let finishReason = 'stop';
    for (let index = 0; ; index += 1) {
      const result: RoundResult = { text: '' };
      try {
        await round(index, result);
      } finally {
        // Text the client already saw stays in the answer and in the model's view, even when cut.
        text += result.text;
        if (!result.finished && result.text) session.history.push({ role: 'assistant', text: result.text });
      }
      const { finished } = result;
      if (!finished) throw new AppError('LLM_STREAM_INCOMPLETE');
      if (finished.toolCalls.length === 0) {
        finishReason = finished.finishReason;
        session.history.push({ role: 'assistant', text: result.text });
        break;
      }
      session.history.push({ role: 'assistant', text: result.text, toolCalls: finished.toolCalls });
      if (index >= settings.maxToolRounds) {
        // Bounded loop, failing soft: answer every pending call so the history stays valid, then end.
        for (const call of finished.toolCalls) session.history.push({ role: 'tool', toolCallId: call.id, text: 'Error: tool round limit reached.' });
        const notice = `\n\n_Stopped after ${settings.maxToolRounds} rounds of tool calls._`;
        deltas.push(notice);
        text += notice;
        finishReason = 'tool_rounds_exceeded';
        break;
      }
      deltas.end();
      await runToolCalls(session, messageId, finished.toolCalls, signal, status, { ...deps, log });
      if (signal.aborted) throw signal.reason;
    }
    deltas.end();
    finish({ reason: 'done', finishReason });
  } catch (err) {
    deltas.end();
    if (!signal.aborted && !(err instanceof AppError)) log.error({ err }, 'turn failed');
    finish(outcomeOf(err, signal));
  } finally {
    clearTimeout(timeout);
    status.stop();
  }
}

/** Counted usage for a call whose provider reported none (or that did not finish): marked estimated. */
function estimateUsage(count: TokenCounter, promptTokens: number, text: string, toolCalls: ToolCallRequest[]): CallUsage {
  let completionTokens = count(text);
  for (const call of toolCalls) completionTokens += count(call.function.name) + count(call.function.arguments);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true };
}
