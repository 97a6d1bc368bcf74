import { z } from 'zod';
import type { Logger } from 'pino';
import { AppError, toAppError, type ErrorCode } from '../errors.js';
import type { ToolSpec } from '../llm/types.js';
import { toolUi, type ToolUi } from './ui.js';

/** What a tool sees of the world: never the socket, only who asks, for which session, and a signal. */
export interface ToolContext {
  readonly user: string;
  readonly sessionId: string;
  /** Data sources selected (and permitted) for this session. */
  readonly dataSources: readonly string[];
  /** Aborted on stop, on the tool's timeout, and when the session ends. Tools MUST stop their work on it. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Reports progress text for the 5-second status line (optional). */
  readonly progress?: (text: string) => void;
}

export interface ToolResult {
  /** Text for the model. */
  content: string;
  /** Optional rich result from the validated vocabulary; the page renders it itself. */
  ui?: ToolUi;
}

export type ToolOutcome =
  | { ok: true; content: string; ui?: ToolUi; durationMs: number }
  | { ok: false; code: ErrorCode; message: string; durationMs: number };

export interface ToolLimits {
  timeoutMs: number;
  maxResultChars: number;
}

/**
 * A tool the model can call. Subclasses declare a zod input schema and implement `run`; `execute`
 * owns everything that must hold for every tool: argument parsing, the hard timeout, the result
 * cap, and turning every failure into a tool error that the model and the page both see.
 */
export abstract class Tool<Schema extends z.ZodObject = z.ZodObject> {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly inputSchema: Schema;
  /** Per-tool timeout; the registry's default applies when undefined. */
  readonly timeoutMs: number | undefined = undefined;

  protected abstract run(input: z.infer<Schema>, ctx: ToolContext): Promise<ToolResult>;

  /** Called once at boot; tools that keep warm processes start them here. */
  async start(): Promise<void> {}
  /** Called when a session ends, so per-session state (interpreters, workers) is released. */
  async disposeSession(_sessionId: string): Promise<void> {}
  /** Called on shutdown. */
  async stop(): Promise<void> {}
  /** Extra facts for /ready (e.g. the sandbox's isolation level). */
  readiness(): Record<string, unknown> | undefined {
    return undefined;
  }

  private cachedSpec: ToolSpec | undefined;

  /** The OpenAI tool schema, derived from the zod schema once (it is sent on every model call). */
  spec(): ToolSpec {
    if (!this.cachedSpec) {
      const parameters = z.toJSONSchema(this.inputSchema, { target: 'draft-7' }) as Record<string, unknown>;
      delete parameters.$schema;
      this.cachedSpec = { type: 'function', function: { name: this.name, description: this.description, parameters } };
    }
    return this.cachedSpec;
  }

  async execute(rawArgs: string, ctx: ToolContext, limits: ToolLimits): Promise<ToolOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const fail = (code: ErrorCode, message: string): ToolOutcome => ({ ok: false, code, message, durationMs: elapsed() });

    let json: unknown;
    try {
      json = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
    } catch {
      return fail('TOOL_BAD_ARGUMENTS', 'Arguments are not valid JSON.');
    }
    const parsed = this.inputSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      return fail('TOOL_BAD_ARGUMENTS', `Invalid arguments: ${detail}`);
    }

    const timeoutMs = this.timeoutMs ?? limits.timeoutMs;
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) return fail('TOOL_FAILED', 'Stopped before it started.');
    ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    // The race guarantees `execute` returns at the deadline even if `run` ignores its signal.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new AppError('TOOL_TIMEOUT', `${this.name} was stopped after ${timeoutMs} ms.`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    try {
      const result = await Promise.race([this.run(parsed.data, { ...ctx, signal: controller.signal }), deadline]);
      return this.finish(result, limits.maxResultChars, elapsed());
    } catch (err) {
      if (err instanceof AppError) return fail(err.code, err.message);
      if (controller.signal.aborted) return fail('TOOL_FAILED', 'Stopped.');
      const appErr = toAppError(err, 'TOOL_FAILED');
      ctx.log.warn({ err, tool: this.name }, 'tool failed');
      return fail(appErr.code, err instanceof Error ? err.message : appErr.message);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onOuterAbort);
    }
  }

  private finish(result: ToolResult, maxChars: number, durationMs: number): ToolOutcome {
    let content = String(result.content ?? '');
    if (content.length > maxChars) content = `${content.slice(0, maxChars)}\n[truncated: result exceeded ${maxChars} characters]`;
    if (result.ui === undefined) return { ok: true, content, durationMs };
    const ui = toolUi.safeParse(result.ui);
    // An invalid ui is dropped, not fatal: the model still gets the text.
    return ui.success ? { ok: true, content, ui: ui.data, durationMs } : { ok: true, content, durationMs };
  }
}

/** A failure the tool wants the model and the user to see with its own words. */
export class ToolError extends AppError {
  constructor(message: string, code: ErrorCode = 'TOOL_FAILED') {
    super(code, message);
  }
}
