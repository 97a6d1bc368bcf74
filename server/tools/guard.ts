import { AppError, toAppError, type ErrorCode } from '../errors.js';
import type { ToolContext, ToolDefinition, ToolLimits, ToolOutcome, ToolResult } from './tool.js';
import { toolUi } from './ui.js';

/**
 * The one place that makes every tool, built-in or remote, behave the same: arguments are parsed and
 * checked, the timeout is enforced through an AbortSignal, the result is capped and its `ui`
 * validated, and every failure becomes a tool error that the model and the page both see.
 */
export async function runGuarded(tool: ToolDefinition, rawArgs: string, ctx: ToolContext, limits: ToolLimits): Promise<ToolOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (code: ErrorCode, message: string): ToolOutcome => ({ ok: false, code, message, durationMs: elapsed() });

  let json: unknown;
  try {
    json = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
  } catch {
    return fail('TOOL_BAD_ARGUMENTS', 'Arguments are not valid JSON.');
  }
  const checked = tool.checkArguments(json);
  if (!checked.ok) return fail('TOOL_BAD_ARGUMENTS', `Invalid arguments: ${checked.message}`);

  const timeoutMs = tool.timeoutMs ?? limits.timeoutMs;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) return fail('TOOL_FAILED', 'Stopped before it started.');
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // The race guarantees the guard returns at the deadline even if the tool ignores its signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AppError('TOOL_TIMEOUT', `${tool.name} was stopped after ${timeoutMs} ms.`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    const result = await Promise.race([tool.invoke(checked.value, { ...ctx, signal: controller.signal }), deadline]);
    return capResult(result, limits.maxResultChars, elapsed());
  } catch (err) {
    if (err instanceof AppError) return fail(err.code, err.message);
    if (controller.signal.aborted) return fail('TOOL_FAILED', 'Stopped.');
    const appErr = toAppError(err, 'TOOL_FAILED');
    ctx.log.warn({ err, tool: tool.name }, 'tool failed');
    return fail(appErr.code, err instanceof Error ? err.message : appErr.message);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
  }
}

function capResult(result: ToolResult, maxChars: number, durationMs: number): ToolOutcome {
  let content = String(result.content ?? '');
  if (content.length > maxChars) content = `${content.slice(0, maxChars)}\n[truncated: result exceeded ${maxChars} characters]`;
  if (result.ui === undefined) return { ok: true, content, durationMs };
  const ui = toolUi.safeParse(result.ui);
  // An invalid ui is dropped, not fatal: the model still gets the text.
  return ui.success ? { ok: true, content, ui: ui.data, durationMs } : { ok: true, content, durationMs };
}
