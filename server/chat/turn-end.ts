import { AppError, toAppError } from '../errors.js';
import type { TurnEndReason } from './records.js';

/**
 * The abort reason of a turn that is ended from outside: Stop, nobody resumed, the session ended,
 * the server shuts down. Carried by the turn's AbortSignal, so the one place that finishes a turn
 * reads why as data instead of guessing from the error it got.
 */
export class TurnEnded extends Error {
  constructor(readonly reason: Exclude<TurnEndReason, 'done' | 'error'>) {
    super(`turn ended: ${reason}`);
    this.name = 'TurnEnded';
  }
}

export interface TurnOutcome {
  reason: TurnEndReason;
  finishReason: string;
  error?: AppError;
}

const ERROR_FOR: Partial<Record<TurnEndReason, AppError>> = {
  abandoned: new AppError('TURN_TIMEOUT', 'The answer was abandoned: nobody came back to read it.'),
  'session-ended': new AppError('NOT_FOUND', 'The chat ended while the answer was being written.'),
  shutdown: new AppError('SHUTTING_DOWN', 'The server restarted before the answer finished.'),
};

/** Classifies how a turn's work ended: from the abort reason when it was aborted, else from the error. */
export function outcomeOf(err: unknown, signal: AbortSignal): TurnOutcome {
  const cause: unknown = signal.aborted ? signal.reason : err;
  if (cause instanceof TurnEnded) {
    if (cause.reason === 'stopped') return { reason: 'stopped', finishReason: 'stopped' };
    return { reason: cause.reason, finishReason: 'error', error: ERROR_FOR[cause.reason] ?? new AppError('INTERNAL') };
  }
  const error = cause instanceof AppError ? cause : toAppError(cause, 'LLM_ERROR');
  return { reason: error.code === 'TURN_TIMEOUT' ? 'timeout' : 'error', finishReason: 'error', error };
}
