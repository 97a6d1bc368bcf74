import type { AccessPolicy } from '../access/policy.js';
import type { ToolSpec } from '../llm/types.js';
import type { ToolInfo } from '../protocol/server-events.js';
import type { Tool, ToolContext, ToolLimits, ToolOutcome } from './tool.js';

/**
 * The tools this server offers. Adding a tool is one new file in server/tools/ plus one line in
 * server/tools/index.ts. The registry is where selection and access are enforced on every call:
 * a tool that is not selected for the session is refused exactly like an unknown one.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(
    tools: Tool[],
    private readonly policy: AccessPolicy,
    private readonly limits: ToolLimits,
  ) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`Duplicate tool name: ${tool.name}`);
      this.tools.set(tool.name, tool);
    }
  }

  get names(): string[] {
    return [...this.tools.keys()];
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** Tools this user may select. */
  listFor(user: string): ToolInfo[] {
    return [...this.tools.values()]
      .filter((t) => this.policy.canUseTool(user, t.name))
      .map((t) => ({ name: t.name, description: t.description }));
  }

  /** OpenAI tool specs for the tools selected in a session (and still permitted). */
  specsFor(user: string, selected: readonly string[]): ToolSpec[] {
    return selected
      .filter((name) => this.tools.has(name) && this.policy.canUseTool(user, name))
      .map((name) => this.tools.get(name)!.spec());
  }

  async execute(name: string, rawArgs: string, selected: readonly string[], ctx: ToolContext): Promise<ToolOutcome> {
    const tool = this.tools.get(name);
    if (!tool || !selected.includes(name)) {
      return { ok: false, code: 'TOOL_UNKNOWN', message: `No tool named "${name.slice(0, 100)}" is available in this chat.`, durationMs: 0 };
    }
    if (!this.policy.canUseTool(ctx.user, name)) {
      ctx.log.warn({ tool: name }, 'tool call denied by access policy');
      return { ok: false, code: 'TOOL_FORBIDDEN', message: `You are not allowed to use ${name}.`, durationMs: 0 };
    }
    return tool.execute(rawArgs, ctx, this.limits);
  }

  async start(): Promise<void> {
    await Promise.all([...this.tools.values()].map((t) => t.start()));
  }

  async disposeSession(sessionId: string): Promise<void> {
    await Promise.allSettled([...this.tools.values()].map((t) => t.disposeSession(sessionId)));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.tools.values()].map((t) => t.stop()));
  }

  readiness(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const tool of this.tools.values()) {
      const r = tool.readiness();
      if (r) out[tool.name] = r;
    }
    return out;
  }
}
