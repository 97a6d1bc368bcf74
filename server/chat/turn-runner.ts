import type { Logger } from 'pino';
import { AppError, toAppError } from '../errors.js';
import type { ChatModel, ModelEvent } from '../llm/types.js';
import type { Usage } from '../protocol/server-events.js';
import { newId } from '../sessions/session-manager.js';
import type { RunningTurn, Session } from '../sessions/session.js';
import { DeltaBuffer } from './delta-buffer.js';
import { StatusTicker } from './status-ticker.js';
import { runToolCalls, type ToolCallDeps } from './tool-calls.js';

export interface TurnSettings {
  thinkingIntervalMs: number;
  turnTimeoutMs: number;
  deltaFlushMs: number;
  maxToolRounds: number;
}

export interface TurnDeps extends ToolCallDeps {
  settings: TurnSettings;
  systemPrompt: string;
}

/** Why a turn was aborted; stop is not an error, everything else is reported. */
export class StopRequested extends Error {
  constructor() {
    super('stopped by the user');
    this.name = 'StopRequested';
  }
}

function addUsage(total: Usage | undefined, add: Usage | undefined): Usage | undefined {
  if (!add) return total;
  if (!total) return { ...add };
  return {
    promptTokens: total.promptTokens + add.promptTokens,
    completionTokens: total.completionTokens + add.completionTokens,
    totalTokens: total.totalTokens + add.totalTokens,
  };
}

/**
 * Starts one answer: the model streams with the full history, tool calls run in bounded rounds,
 * and the turn always ends with exactly one `message-end` — complete, stopped, or failed with the
 * partial text kept and marked incomplete. It keeps running if the socket drops (see SessionManager).
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

async function runTurn(session: Session, model: ChatModel, deps: TurnDeps, messageId: string, controller: AbortController): Promise<void> {
  const { settings } = deps;
  const log: Logger = deps.log.child({ sessionId: session.id, messageId });
  const signal = controller.signal;
  const timeout = setTimeout(() => controller.abort(new AppError('TURN_TIMEOUT')), settings.turnTimeoutMs);
  const status = new StatusTicker(session, settings.thinkingIntervalMs);
  const deltas = new DeltaBuffer(session, messageId, settings.deltaFlushMs);
  let text = '';
  let roundText = '';
  let usage: Usage | undefined;
  session.emit({ type: 'message-start', id: messageId, model: model.name, at: new Date().toISOString() });

  try {
    let finishReason = 'stop';
    for (let round = 0; ; round += 1) {
      status.start('Thinking…');
      const started = Date.now();
      let firstTokenMs: number | undefined;
      let finished: Extract<ModelEvent, { type: 'done' }> | undefined;
      roundText = '';
      const stream = model.stream({
        messages: [{ role: 'system', content: deps.systemPrompt }, ...session.history],
        tools: deps.tools.specsFor(session.owner, session.tools),
        signal,
      });
      for await (const event of stream) {
        if (event.type === 'text') {
          if (firstTokenMs === undefined) {
            firstTokenMs = Date.now() - started;
            status.stop();
          }
          roundText += event.text;
          deltas.push(event.text);
          // A slow reader pauses the upstream rather than growing our buffers.
          if (session.readerCongested) await session.waitForReader(signal);
        } else {
          finished = event;
        }
      }
      status.stop();
      if (!finished) throw new AppError('LLM_STREAM_INCOMPLETE');
      usage = addUsage(usage, finished.usage);
      const thisRound = roundText;
      text += thisRound;
      roundText = ''; // committed: the catch below only adds text from a round that did not finish
      session.transcript.write('model-call', {
        // The round's text: lets the export put it before the tool calls it announced.
        messageId, model: model.name, round, text: thisRound, firstTokenMs, durationMs: Date.now() - started,
        finishReason: finished.finishReason, usage: finished.usage, toolCalls: finished.toolCalls.length,
      });
      if (finished.toolCalls.length === 0) {
        finishReason = finished.finishReason;
        session.history.push({ role: 'assistant', content: thisRound });
        break;
      }
      session.history.push({ role: 'assistant', content: thisRound, tool_calls: finished.toolCalls });
      if (round >= settings.maxToolRounds) {
        // Bounded loop, failing soft: answer every pending call so the history stays valid, then end.
        for (const call of finished.toolCalls) {
          session.history.push({ role: 'tool', tool_call_id: call.id, content: 'Error: tool round limit reached.' });
        }
        const notice = `\n\n_Stopped after ${settings.maxToolRounds} rounds of tool calls._`;
        deltas.push(notice);
        text += notice;
        finishReason = 'tool_rounds_exceeded';
        break;
      }
      deltas.flush();
      await runToolCalls(session, messageId, finished.toolCalls, signal, status, { ...deps, log });
      if (signal.aborted) throw signal.reason;
    }
    deltas.flush();
    session.emit({ type: 'message-end', id: messageId, finishReason, incomplete: false, ...(usage ? { usage } : {}) });
    session.transcript.write('assistant-message', { messageId, model: model.name, text, usage, finishReason, incomplete: false });
  } catch (err) {
    deltas.flush();
    text += roundText;
    if (roundText) session.history.push({ role: 'assistant', content: roundText });
    const reason: unknown = signal.aborted ? signal.reason : err;
    if (reason instanceof StopRequested) {
      session.emit({ type: 'message-end', id: messageId, finishReason: 'stopped', incomplete: true, ...(usage ? { usage } : {}) });
      session.transcript.write('assistant-message', { messageId, model: model.name, text, usage, finishReason: 'stopped', incomplete: true });
      return;
    }
    const appErr = reason instanceof AppError ? reason : signal.aborted ? new AppError('TURN_TIMEOUT', 'The answer was abandoned.') : toAppError(reason, 'LLM_ERROR');
    if (!(reason instanceof AppError)) log.error({ err: reason }, 'turn failed');
    const error = { code: appErr.code, message: appErr.message };
    session.emit({ type: 'error', ...error, messageId });
    session.emit({ type: 'message-end', id: messageId, finishReason: 'error', incomplete: true, error, ...(usage ? { usage } : {}) });
    session.transcript.write('error', { messageId, ...error, stack: (reason as Error)?.stack ?? String(reason) });
    session.transcript.write('assistant-message', { messageId, model: model.name, text, usage, finishReason: 'error', incomplete: true });
  } finally {
    clearTimeout(timeout);
    status.stop();
  }
}
