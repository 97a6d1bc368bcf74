import pino from 'pino';
import { CodeExecutionTool, type CodeExecutionOptions } from '../../server/tools/code-execution.js';
import type { ToolContext, ToolOutcome } from '../../server/tools/tool.js';

/** Shared by the code_execution test files: one tool per file, calls as the chat turn makes them. */

export const log = pino({ level: 'silent' });
export const SLOW = { timeout: 120_000 };

export interface PythonHarness {
  readonly tool: CodeExecutionTool;
  run(sessionId: string, code: string): Promise<ToolOutcome>;
  /** The text the model reads; fails the test if the call itself failed. */
  contentOf(sessionId: string, code: string): Promise<string>;
  /**
   * Waits until a loaded interpreter is waiting in the pool, so the next new-session call spends its
   * short time limit on the code, not on a ~2 s (much more on a busy machine) interpreter start.
   */
  warmInterpreterReady(): Promise<void>;
}

export function context(sessionId: string): ToolContext {
  return { user: 'tester@example.com', tenant: 'default', credentials: {}, sessionId, dataSources: [], signal: new AbortController().signal, log };
}

export function pythonHarness(options: CodeExecutionOptions, maxResultChars = 1_000_000): PythonHarness {
  const tool = new CodeExecutionTool(options, log);
  const limits = { timeoutMs: 60_000, maxResultChars };
  const run = (sessionId: string, code: string) => tool.execute(JSON.stringify({ code }), context(sessionId), limits);
  return {
    tool,
    run,
    async contentOf(sessionId, code) {
      const outcome = await run(sessionId, code);
      if (!outcome.ok) throw new Error(`expected a result, got ${outcome.code}: ${outcome.message}`);
      return outcome.content;
    },
    async warmInterpreterReady() {
      const deadline = Date.now() + 90_000;
      while ((tool.readiness()?.warm ?? 0) < 1) {
        if (Date.now() > deadline) throw new Error('no warm interpreter became ready');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
