import type { Tool as RemoteTool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import type { ArgumentCheck, ToolContext, ToolDefinition, ToolResult } from '../tool.js';
import { TOOL_SEPARATOR } from './mcp-config.js';

const MAX_DESCRIPTION = 2000;
// One validator for all servers: ajv compiles each schema once, here, when the tool list arrives.
const validators = new AjvJsonSchemaValidator();

/** How an MCP tool reaches its server; implemented by the server's source. */
export interface RemoteCaller {
  call(toolName: string, args: Record<string, unknown>, ctx: ToolContext, timeoutMs: number): Promise<ToolResult>;
}

/**
 * One tool of an MCP server, seen as ours: named `<server>__<tool>`, arguments checked against the
 * server's own JSON schema before anything is sent, run through the same guard as built-in tools.
 */
export class McpTool implements ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  private readonly validate: JsonSchemaValidator<unknown> | string;

  constructor(
    readonly server: string,
    private readonly remote: RemoteTool,
    readonly timeoutMs: number,
    private readonly caller: RemoteCaller,
  ) {
    this.name = `${server}${TOOL_SEPARATOR}${remote.name}`;
    this.description = (remote.description ?? remote.title ?? remote.name).slice(0, MAX_DESCRIPTION);
    const { $schema: _ignored, ...parameters } = remote.inputSchema as Record<string, unknown>;
    this.parameters = { type: 'object', ...parameters };
    try {
      this.validate = validators.getValidator(this.parameters as never);
    } catch (err) {
      // A server with a broken schema keeps its other tools; this one refuses every call and says why.
      this.validate = `the server's input schema cannot be used (${(err as Error).message})`;
    }
  }

  /** The tool's name on its server. */
  get remoteName(): string {
    return this.remote.name;
  }

  checkArguments(args: unknown): ArgumentCheck {
    if (typeof this.validate === 'string') return { ok: false, message: this.validate };
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return { ok: false, message: 'arguments must be a JSON object' };
    const result = this.validate(args);
    return result.valid ? { ok: true, value: args } : { ok: false, message: result.errorMessage };
  }

  invoke(input: unknown, ctx: ToolContext): Promise<ToolResult> {
    return this.caller.call(this.remote.name, input as Record<string, unknown>, ctx, this.timeoutMs);
  }
}
