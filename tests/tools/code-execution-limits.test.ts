import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW, pythonHarness } from './python-harness.js';

/**
 * Security checklist 23–24: memory and output limits, each followed by a working next call. The time
 * limit is generous here on purpose: building and printing 100 MB strings is slow on a busy machine,
 * and these tests are about the caps, not the clock (code-execution-cpu.test.ts covers that).
 */

const OUTPUT_MAX = 65_536;
const TIMEOUT_MS = 60_000;
const OPTIONS = { timeoutMs: TIMEOUT_MS, memoryMb: 256, outputMaxBytes: OUTPUT_MAX, requireNetns: false, warmPool: 1 };
const OUTPUT_STOPPED = `OutputLimitExceeded: output is limited to ${OUTPUT_MAX} bytes; the rest was discarded and the program was interrupted if it was still running.`;

const harness = pythonHarness(OPTIONS);
const { tool, contentOf, warmInterpreterReady } = harness;

beforeAll(async () => {
  await tool.start();
}, 120_000);

afterAll(async () => {
  await tool.stop();
});

describe('code_execution: memory limit (checklist 23)', SLOW, () => {
  const session = 'memory';

  it('turns allocations over the cap into Python errors while the server stays unaffected', async () => {
    await warmInterpreterReady();
    const serverRssBefore = process.memoryUsage().rss;
    // 3 GB does not even fit wasm32's address space; 1 GB does, but not under the 256 MB cap.
    expect(await contentOf(session, 'bytearray(3_000_000_000)')).toContain("OverflowError: cannot fit 'int' into an index-sized integer");
    expect(await contentOf(session, 'bytearray(1_000_000_000)')).toMatch(/\nMemoryError$/);
    expect(await contentOf(session, "grow = []\nwhile True:\n    grow.append('x' * 1_000_000)")).toMatch(/\nMemoryError$/);
    // The interpreter survived, with its state: the list is still there until freed.
    expect(await contentOf(session, 'n = len(grow)\ndel grow\nn > 100, len(bytearray(50_000_000))')).toBe('result:\n(True, 50000000)');
    expect(process.memoryUsage().rss - serverRssBefore).toBeLessThan(100 * 2 ** 20);
  });
});

describe('code_execution: output caps (checklist 24)', SLOW, () => {
  const session = 'output';
  const truncatedA = `${'A'.repeat(OUTPUT_MAX)}\n[truncated]`;

  it('truncates a 100 MB print at the byte cap and stops the program', async () => {
    await warmInterpreterReady();
    const serverRssBefore = process.memoryUsage().rss;
    expect(await contentOf(session, "print('A' * 10**8)")).toBe(`stdout:\n${truncatedA}\n\nerror:\n${OUTPUT_STOPPED}`);
    expect(process.memoryUsage().rss - serverRssBefore).toBeLessThan(100 * 2 ** 20);
  });

  it('stops an endless print loop by itself instead of running to the time limit', async () => {
    const content = await contentOf(session, "while True:\n    print('spam')"); // a result, not TOOL_TIMEOUT
    const kept = 'spam\n'.repeat(OUTPUT_MAX).slice(0, OUTPUT_MAX); // exactly the first OUTPUT_MAX bytes
    expect(content).toBe(`stdout:\n${kept}\n[truncated]\n\nerror:\n${OUTPUT_STOPPED}`);
  });

  it('caps stderr the same way', async () => {
    const content = await contentOf(session, "import sys\nwhile True:\n    sys.stderr.write('E' * 1000)");
    expect(content).toBe(`stderr:\n${'E'.repeat(OUTPUT_MAX)}\n[truncated]\n\nerror:\n${OUTPUT_STOPPED}`);
  });

  it('truncates a 100 MB repr returned as the value', async () => {
    expect(await contentOf(session, "'A' * 10**8")).toBe(`result:\n'${'A'.repeat(OUTPUT_MAX - 1)}\n[truncated]`);
  });

  it('survives overflows wherever the interrupt lands, keeping its state', async () => {
    await contentOf(session, "marker = 'kept'");
    for (const size of [OUTPUT_MAX + 1, OUTPUT_MAX + 100, 2 * OUTPUT_MAX]) {
      const content = await contentOf(session, `print('A' * ${size})`);
      expect(content).toBe(`stdout:\n${truncatedA}\n\nerror:\n${OUTPUT_STOPPED}`);
    }
    expect(await contentOf(session, 'marker')).toBe("result:\n'kept'");
  });

  it('keeps working after the floods', async () => {
    expect(await contentOf(session, "print('ok')")).toBe('stdout:\nok');
  });
});
