import { describe, expect, it } from 'vitest';
import { outcomeOf, TurnEnded } from '../../server/chat/turn-end.js';
import { AppError } from '../../server/errors.js';

function aborted(reason: unknown): AbortSignal {
  const c = new AbortController();
  c.abort(reason);
  return c.signal;
}

describe('outcomeOf', () => {
  it('reads a stop as stopped with no error', () => {
    expect(outcomeOf(new Error('x'), aborted(new TurnEnded('stopped')))).toEqual({ reason: 'stopped', finishReason: 'stopped' });
  });

  it('reports shutdown as SHUTTING_DOWN, an abandoned turn as TURN_TIMEOUT', () => {
    expect(outcomeOf(undefined, aborted(new TurnEnded('shutdown'))).error?.code).toBe('SHUTTING_DOWN');
    const abandoned = outcomeOf(undefined, aborted(new TurnEnded('abandoned')));
    expect(abandoned.reason).toBe('abandoned');
    expect(abandoned.error?.code).toBe('TURN_TIMEOUT');
  });

  it('classifies the turn timeout and upstream errors from the error when not aborted from outside', () => {
    expect(outcomeOf(undefined, aborted(new AppError('TURN_TIMEOUT'))).reason).toBe('timeout');
    const failed = outcomeOf(new AppError('LLM_STALLED'), new AbortController().signal);
    expect(failed).toMatchObject({ reason: 'error', finishReason: 'error' });
    expect(failed.error?.code).toBe('LLM_STALLED');
    expect(outcomeOf(new TypeError('bug'), new AbortController().signal).error?.code).toBe('LLM_ERROR');
  });
});
