import { chartUi, type ToolUi } from '../ui.js';
import type { SandboxReply } from './protocol.js';

/** Turns a sandbox reply into the text the model reads and the ui the page shows. */

const TRUNCATED = '[truncated]';
const CODE_UI_MAX_OUTPUT = 200_000;

function section(title: string, body: string, truncated = false): string {
  const text = body.endsWith('\n') ? body.slice(0, -1) : body;
  return `${title}:\n${text}${truncated ? `\n${TRUNCATED}` : ''}`;
}

/** stdout, stderr, result and error as labelled sections, in the order they happened. */
export function describeReply(reply: SandboxReply): string {
  const parts: string[] = [];
  if (reply.stdout || reply.stdoutTruncated) parts.push(section('stdout', reply.stdout, reply.stdoutTruncated));
  if (reply.stderr || reply.stderrTruncated) parts.push(section('stderr', reply.stderr, reply.stderrTruncated));
  if (reply.result !== null) parts.push(section('result', reply.result));
  if (reply.error !== null) parts.push(section('error', reply.error));
  return parts.length > 0 ? parts.join('\n\n') : 'The code ran and produced no output and no value.';
}

export type ChartOutcome = { chart: Extract<ToolUi, { type: 'chart' }> } | { problem: string } | undefined;

/** The chart ui when the last expression was a chart spec; a reason when it looked like one but is not valid. */
export function chartFromReply(reply: SandboxReply): ChartOutcome {
  if (reply.chart === null) return undefined;
  let spec: unknown;
  try {
    spec = JSON.parse(reply.chart);
  } catch {
    return { problem: 'the chart spec is not valid JSON' };
  }
  if (spec && typeof spec === 'object' && 'invalid' in spec && typeof spec.invalid === 'string') {
    return { problem: spec.invalid };
  }
  const parsed = chartUi.safeParse(spec);
  if (parsed.success) return { chart: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`)
    .join('; ');
  return { problem: `the chart spec is not valid (${issues})` };
}

export interface ToolView {
  content: string;
  ui: ToolUi;
}

export function buildView(code: string, reply: SandboxReply, previousInterpreterLost?: string): ToolView {
  const notes: string[] = [];
  if (previousInterpreterLost) {
    notes.push(
      `Note: this chat's previous Python interpreter was discarded because ${previousInterpreterLost}; ` +
        'this code ran in a fresh one, so variables from earlier runs are gone.',
    );
  }
  const described = describeReply(reply);
  const chart = chartFromReply(reply);
  if (chart && 'chart' in chart) {
    notes.push(`A ${chart.chart.kind} chart was shown to the user.`);
    return { content: [...notes, described].join('\n\n'), ui: chart.chart };
  }
  if (chart && 'problem' in chart) notes.push(`No chart was shown: ${chart.problem}.`);
  const output = described.length > CODE_UI_MAX_OUTPUT ? `${described.slice(0, CODE_UI_MAX_OUTPUT - 20)}\n${TRUNCATED}` : described;
  return {
    content: [...notes, described].join('\n\n'),
    ui: { type: 'code', language: 'python', code, output },
  };
}
