import type { AppContext } from '../app-context.js';

export interface ReadinessReport {
  ready: boolean;
  /** Short, non-sensitive reasons for not being ready ("no model is available"); [] when ready. */
  problems: string[];
  /** The full report for identified callers. */
  details: Record<string, unknown> & { status: 'ready' | 'not-ready' };
}

/** Whether this instance should receive traffic, and why not. */
export function readinessReport(ctx: AppContext): ReadinessReport {
  const problems: string[] = [];
  if (ctx.shuttingDown) problems.push('shutting down');
  if (!ctx.models.list().some((m) => m.available)) problems.push('no model is available');
  problems.push(...ctx.disk.problems());
  const ready = problems.length === 0;
  return {
    ready,
    problems,
    details: {
      status: ready ? 'ready' : 'not-ready',
      problems,
      models: ctx.models.readiness(),
      tools: ctx.tools.readiness(),
      mcpServers: ctx.tools.serverStates(),
      websocket: !ctx.env.DISABLE_WEBSOCKET,
      uwsNative: ctx.uwsNative,
      testMode: ctx.env.TEST_MODE,
      llmCallsDisabled: ctx.env.DISABLE_LLM_CALLS,
      sessions: ctx.sessions.size,
      disk: ctx.disk.latest().map(({ name, freeMb, low }) => ({ name, freeMb, low })),
    },
  };
}
