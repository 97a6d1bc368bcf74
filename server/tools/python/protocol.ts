import { z } from 'zod';

/**
 * The line protocol between the parent and sandbox-child.mjs (described at the top of that file).
 * Everything the child sends is untrusted: code that escaped the Python layer could write any bytes
 * to this pipe. So frames are size-capped while they are read and shape-checked before use.
 */

/** The largest chart spec (JSON text) the child forwards; the chart ui schema allows ~200 KB of data. */
export const CHART_MAX_CHARS = 512 * 1024;

/**
 * The largest line the parent will buffer from a child. Every text field is capped in the child
 * (stdout/stderr at `outputMaxBytes` bytes, result/error at `outputMaxBytes` code points, the chart
 * at CHART_MAX_CHARS ASCII characters); JSON escaping can grow a character to at most 6 bytes.
 */
export function maxFrameBytes(outputMaxBytes: number): number {
  return 6 * 2 * outputMaxBytes + 6 * 2 * (outputMaxBytes + 64) + 2 * CHART_MAX_CHARS + 16 * 1024;
}

/** Settings passed to the child as argv[2]. */
export interface ChildSettings {
  mode: 'serve' | 'snapshot';
  pyodideUrl: string;
  /** Interpreter memory to restore instead of a full load (serve mode). */
  snapshotPath?: string;
  outputMaxBytes: number;
  resultMaxChars: number;
  chartMaxChars: number;
}

const text = z.string();
const optionalText = z.string().nullable();

export const readyFrame = z.object({ type: z.literal('ready') });
export const fatalFrame = z.object({ type: z.literal('fatal'), message: z.string().max(10_000) });
export const resultFrame = z.object({
  type: z.literal('result'),
  id: z.number().int(),
  stdout: text,
  stderr: text,
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  outputLimitReached: z.boolean(),
  result: optionalText,
  chart: optionalText,
  error: optionalText,
  fatal: z.boolean(),
});

export const childFrame = z.discriminatedUnion('type', [readyFrame, fatalFrame, resultFrame]);
/** Snapshot mode only: announces `bytes` raw bytes of interpreter memory that follow the line. */
export const snapshotFrame = z.object({ type: z.literal('snapshot'), bytes: z.number().int().positive() });

export type ChildFrame = z.infer<typeof childFrame>;
export type ResultFrame = z.infer<typeof resultFrame>;

/** What one run produced, as the tool sees it. */
export type SandboxReply = Omit<ResultFrame, 'type' | 'id' | 'fatal'>;

/** Splits a byte stream into lines, refusing to hold more than `maxLineBytes` of an unfinished line. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Returns the complete lines in `chunk`, or `null` if a line grew past the cap. */
  push(chunk: Buffer): string[] | null {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxLineBytes) return null;
      lines.push(Buffer.concat([...this.pending, piece]).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > this.maxLineBytes) return null;
    if (rest.length > 0) {
      // Copy: the stream may reuse the chunk's memory.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }
}
