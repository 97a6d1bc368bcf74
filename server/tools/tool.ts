import { z } from 'zod';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../errors.js';
import type { ToolSpec } from '../llm/types.js';
import { runGuarded } from './guard.js';
import type { ToolUi } from './ui.js';

/** What a tool sees of the world: never the socket, only who asks, for which session, and a signal. */
export interface ToolContext {
  readonly user: string;
  /** The tenant the call is made for: access is checked for (user, tenant). */
  readonly tenant: string;
  /**
   * That tenant's credentials, and only that tenant's (resolved per call, never stored on a tool).
   * Values are secrets: a tool may send them where they belong, never into its result text.
   */
  readonly credentials: Readonly<Record<string, string>>;
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

export type ArgumentCheck = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * What the registry and the guard need of any tool, built-in or remote: a name, a description, JSON
 * schema parameters for the model, a way to check arguments, and `invoke`. Nothing here enforces
 * anything: the guard (guard.ts) does, identically for every tool.
 */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** JSON schema of the arguments object, as sent to the model. */
  readonly parameters: Record<string, unknown>;
  /** Per-tool timeout; the registry's default applies when undefined. */
  readonly timeoutMs: number | undefined;
  /** The MCP server offering it; undefined for built-in tools. */
  readonly server?: string;
  checkArguments(args: unknown): ArgumentCheck;
  /** Does the work. Only the guard calls it, with checked arguments and a signal bound to the timeout. */
  invoke(input: unknown, ctx: ToolContext): Promise<ToolResult>;
}

const specCache = new WeakMap<ToolDefinition, ToolSpec>();

/** The OpenAI tool schema of a definition, built once (it is sent on every model call). */
export function toolSpec(tool: ToolDefinition): ToolSpec {
  let spec = specCache.get(tool);
  if (!spec) {
    spec = { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
    specCache.set(tool, spec);
  }
  return spec;
}

/**
 * A built-in tool: subclasses declare a zod input schema and implement `run`. The JSON schema for the
 * model is derived from the zod schema; the guard checks arguments with the same zod schema.
 */
export abstract class Tool<Schema extends z.ZodObject = z.ZodObject> implements ToolDefinition {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly inputSchema: Schema;
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

  private cachedParameters: Record<string, unknown> | undefined;

  get parameters(): Record<string, unknown> {
    if (!this.cachedParameters) {
      const parameters = z.toJSONSchema(this.inputSchema, { target: 'draft-7' }) as Record<string, unknown>;
      delete parameters.$schema;
      this.cachedParameters = parameters;
    }
    return this.cachedParameters;
  }

  spec(): ToolSpec {
    return toolSpec(this);
  }

  checkArguments(args: unknown): ArgumentCheck {
    const parsed = this.inputSchema.safeParse(args);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, message: parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
  }

  invoke(input: unknown, ctx: ToolContext): Promise<ToolResult> {
    return this.run(input as z.infer<Schema>, ctx);
  }

  /** Runs the tool through the guard, exactly as the registry does. */
  execute(rawArgs: string, ctx: ToolContext, limits: ToolLimits): Promise<ToolOutcome> {
    return runGuarded(this, rawArgs, ctx, limits);
  }
}

/** A failure the tool wants the model and the user to see with its own words. */
export class ToolError extends AppError {
  constructor(message: string, code: ErrorCode = 'TOOL_FAILED') {
    super(code, message);
  }
}
