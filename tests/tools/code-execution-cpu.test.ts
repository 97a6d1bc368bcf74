import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW, pythonHarness } from './python-harness.js';

/** Security checklist 22: runaway CPU is stopped at the wall-clock limit, and the next call works. */

const TIMEOUT_MS = 3_000;
const OPTIONS = { timeoutMs: TIMEOUT_MS, memoryMb: 256, outputMaxBytes: 65_536, requireNetns: false, warmPool: 1 };
const FRESH_NOTE = "Note: this chat's previous Python interpreter was discarded because it was stopped (time limit reached or the run was cancelled)";

const harness = pythonHarness(OPTIONS);
const { tool, contentOf, warmInterpreterReady } = harness;
const runPython = harness.run;

beforeAll(async () => {
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
