import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeExecutionTool } from '../../server/tools/code-execution.js';
import type { ToolContext, ToolOutcome } from '../../server/tools/tool.js';

/** Security checklist 22: runaway CPU is stopped at the wall-clock limit, and the next call works. */

const log = pino({ level: 'silent' });
const LIMITS = { timeoutMs: 60_000, maxResultChars: 1_000_000 };
const TIMEOUT_MS = 3_000;
const OPTIONS = { timeoutMs: TIMEOUT_MS, memoryMb: 256, outputMaxBytes: 65_536, requireNetns: false, warmPool: 1 };
const SLOW = { timeout: 120_000 };
const FRESH_NOTE = "Note: this chat's previous Python interpreter was discarded because it was stopped (time limit reached or the run was cancelled)";

let tool: CodeExecutionTool;

function runPython(sessionId: string, code: string): Promise<ToolOutcome> {
  const ctx: ToolContext = { user: 'tester@example.com', sessionId, dataSources: [], signal: new AbortController().signal, log };
  return tool.execute(JSON.stringify({ code }), ctx, LIMITS);
}

async function contentOf(sessionId: string, code: string): Promise<string> {
  const outcome = await runPython(sessionId, code);
  if (!outcome.ok) throw new Error(`expected a result, got ${outcome.code}: ${outcome.message}`);
  return outcome.content;
}

/**
 * Waits until a loaded interpreter is waiting in the pool, so the next new-session call spends its
 * short time limit on the code, not on a ~2 s (much more on a busy machine) interpreter start.
 */
async function warmInterpreterReady(): Promise<void> {
  const deadline = Date.now() + 90_000;
  while ((tool.readiness()?.warm ?? 0) < 1) {
    if (Date.now() > deadline) throw new Error('no warm interpreter became ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  tool = new CodeExecutionTool(OPTIONS, log);
  await tool.start();
}, 120_000);

afterAll(async () => {
  await tool.stop();
});

describe('code_execution: CPU limit (checklist 22)', SLOW, () => {
  it.each([
    ['a busy loop', 'while True: pass'],
    ['a huge power', '10**10**7'],
    ['catastrophic regex backtracking', "import re\nre.match(r'(a+)+$', 'a' * 40 + 'b')"],
  ])('stops %s at the time limit with TOOL_TIMEOUT, and the next call works in a fresh interpreter', async (_name, code) => {
    const session = `cpu-${code.length}`;
    await warmInterpreterReady();
    expect(await contentOf(session, 'marker = 1')).toBe('The code ran and produced no output and no value.');

    const started = Date.now();
    const outcome = await runPython(session, code);
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_TIMEOUT', message: `code_execution was stopped after ${TIMEOUT_MS} ms.` });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);

    await warmInterpreterReady();
    const next = await contentOf(session, "'marker' in globals(), 1 + 1");
    expect(next.startsWith(FRESH_NOTE)).toBe(true);
    expect(next.endsWith('result:\n(False, 2)')).toBe(true);
  });
});
