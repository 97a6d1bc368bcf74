import type { AccessPolicy, Who } from '../access/policy.js';
import type { ToolSpec } from '../llm/types.js';
import type { ToolInfo } from '../protocol/server-events.js';
import { runGuarded } from './guard.js';
import { toolSpec, type ToolContext, type ToolDefinition, type ToolLimits, type ToolOutcome } from './tool.js';
import type { SourceState, ToolSource } from './tool-source.js';

interface Found {
  tool: ToolDefinition;
  source: ToolSource;
}

/**
 * The tools this server offers, gathered from its sources (the built-in tools and one source per MCP
 * server). Sources may connect late, fail and change their lists, so every lookup asks them afresh.
 * The registry is where selection and access are enforced on every call: a tool that is not
 * selected for the session is refused exactly like an unknown one.
 */
export class ToolRegistry {
  private readonly sources: ToolSource[] = [];

  constructor(
    sources: ToolSource[],
    private readonly policy: AccessPolicy,
    private readonly limits: ToolLimits,
  ) {
    const seen = new Set<string>();
    for (const source of sources) {
      if (seen.has(source.id)) throw new Error(`Duplicate tool source: ${source.id}`);
      seen.add(source.id);
      this.sources.push(source);
    }
    // Names are unique among what one chat can reach: the shared sources plus one tenant's instances.
    const tenants = [undefined, ...new Set(sources.map((s) => s.tenant).filter((t) => t !== undefined))];
    for (const tenant of tenants) {
      const names = new Set<string>();
      for (const tool of this.visible(tenant).flatMap((s) => s.tools())) {
        if (names.has(tool.name)) throw new Error(`Duplicate tool name: ${tool.name}`);
        names.add(tool.name);
      }
    }
  }

  /** The sources a chat for this tenant can reach: the shared ones and that tenant's own instances. */
  private visible(tenant: string | undefined): ToolSource[] {
    return this.sources.filter((s) => s.tenant === undefined || s.tenant === tenant);
  }

  get names(): string[] {
    return [...new Set(this.sources.flatMap((s) => s.tools().map((t) => t.name)))];
  }

  has(name: string, tenant?: string): boolean {
    return this.find(name, tenant) !== undefined;
  }

  /**
   * The tool of that name a chat for this tenant reaches, and its source; the first source wins if a
   * remote list ever collides. Another tenant's instance of the same server is never found.
   */
  find(name: string, tenant?: string): Found | undefined {
    for (const source of this.visible(tenant)) {
      const tool = source.tools().find((t) => t.name === name);
      if (tool) return { tool, source };
    }
    return undefined;
  }

  /** Tools this person may select in a chat for this tenant, with the MCP server and its state when it is down. */
  listFor(who: Who): ToolInfo[] {
    const out: ToolInfo[] = [];
    for (const source of this.visible(who.tenant)) {
      for (const tool of source.tools()) {
        if (!this.policy.canUseTool(who, tool.name)) continue;
        const info: ToolInfo = { name: tool.name, description: tool.description };
        if (tool.server) info.server = tool.server;
        if (!source.available()) {
          info.available = false;
          info.reason = source.state().reason ?? 'unavailable';
        }
        out.push(info);
      }
    }
    return out;
  }

  /** OpenAI tool specs for the tools selected in a session, still permitted, and currently reachable. */
  specsFor(who: Who, selected: readonly string[]): ToolSpec[] {
    const specs: ToolSpec[] = [];
    for (const name of selected) {
      const found = this.find(name, who.tenant);
      if (found && found.source.available() && this.policy.canUseTool(who, name)) specs.push(toolSpec(found.tool));
    }
    return specs;
  }

  /** Runs a tool for a chat: `selected` is the session's locked selection. */
  async execute(name: string, rawArgs: string, selected: readonly string[], ctx: ToolContext): Promise<ToolOutcome> {
    if (!selected.includes(name)) return unknownTool(name);
    return this.executePermitted(name, rawArgs, ctx);
  }

  /** Runs a tool after re-checking access now (used by chats and by the /mcp gateway). */
  async executePermitted(name: string, rawArgs: string, ctx: ToolContext): Promise<ToolOutcome> {
    const found = this.find(name, ctx.tenant);
    if (!found) return unknownTool(name);
    if (!this.policy.canUseTool({ user: ctx.user, tenant: ctx.tenant }, name)) {
      ctx.log.warn({ tool: name }, 'tool call denied by access policy');
      return { ok: false, code: 'TOOL_FORBIDDEN', message: `You are not allowed to use ${name}.`, durationMs: 0 };
    }
    if (!found.source.available()) {
      const reason = found.source.state().reason ?? 'its server is not reachable';
      return { ok: false, code: 'TOOL_UNAVAILABLE', message: `${name} is unavailable: ${reason}.`, durationMs: 0 };
    }
    return runGuarded(found.tool, rawArgs, ctx, this.limits);
  }

  /** The definitions this user may use now (the gateway lists these). */
  definitionsFor(who: Who): ToolDefinition[] {
    return this.visible(who.tenant)
      .filter((s) => s.available())
      .flatMap((s) => s.tools())
      .filter((t) => this.policy.canUseTool(who, t.name));
  }

  async start(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.start()));
  }

  async disposeSession(sessionId: string): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.disposeSession(sessionId)));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.stop()));
  }

  readiness(): Record<string, unknown> {
    return Object.assign({}, ...this.sources.map((s) => s.readiness())) as Record<string, unknown>;
  }

  /** Each MCP server's state, for /ready. */
  serverStates(): Record<string, SourceState> {
    const out: Record<string, SourceState> = {};
    for (const source of this.sources) if (source.id !== 'builtin') out[source.id] = source.state();
    return out;
  }
}

function unknownTool(name: string): ToolOutcome {
  return { ok: false, code: 'TOOL_UNKNOWN', message: `No tool named "${name.slice(0, 100)}" is available in this chat.`, durationMs: 0 };
}
