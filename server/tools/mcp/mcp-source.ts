import type { Logger } from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError, type CallToolResult, type Progress, type Tool as RemoteTool } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../errors.js';
import { ToolError, type ToolContext, type ToolResult } from '../tool.js';
import type { SourceState, SourceStatus, ToolSource } from '../tool-source.js';
import type { McpServerConfig } from './mcp-config.js';
import { convertMcpResult } from './mcp-result.js';
import { McpTool, type RemoteCaller } from './mcp-tool.js';

export interface McpSourceOptions {
  /** Removes this config's secrets from error texts. */
  redact: (text: string) => string;
  connectTimeoutMs: number;
  reconnectMaxMs: number;
  pingIntervalMs: number;
  log: Logger;
}

const FIRST_RETRY_MS = 500;
const MAX_TOOLS = 500;
const CLIENT_INFO = { name: 'galaxy-chat', version: '0.1.0' };

/**
 * One configured MCP server as a tool source. It connects in the background, pings to notice a
 * dead server, reconnects with exponential backoff, and follows the server's tool-list changes.
 * While it is down its tools stay listed as unavailable (with the reason) and calls fail soft.
 */
export class McpToolSource implements ToolSource, RemoteCaller {
  readonly id: string;
  readonly tenant: string | undefined;
  private client: Client | undefined;
  private list: McpTool[] = [];
  private status: SourceStatus;
  private reason: string | undefined;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly config: McpServerConfig,
    private readonly options: McpSourceOptions,
  ) {
    // A per-tenant instance shares its tools' names with the other tenants' instances, not its id.
    this.id = config.tenant ? `${config.id}@${config.tenant}` : config.id;
    this.tenant = config.tenant;
    this.log = options.log.child({ mcpServer: config.id, ...(config.tenant ? { tenant: config.tenant } : {}) });
    this.status = config.disabledReason ? 'disabled' : 'starting';
    this.reason = config.disabledReason ?? 'connecting';
  }

  tools(): readonly McpTool[] {
    return this.list;
  }

  available(): boolean {
    return this.status === 'connected';
  }

  state(): SourceState {
    return { status: this.status, tools: this.list.length, ...(this.reason ? { reason: this.reason } : {}) };
  }

  readiness(): Record<string, unknown> {
    return {};
  }

  /** Never waits for the server: a slow or dead one must not delay the boot. */
  async start(): Promise<void> {
    if (this.status !== 'disabled') void this.connect();
  }

  async disposeSession(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  async call(toolName: string, args: Record<string, unknown>, ctx: ToolContext, timeoutMs: number): Promise<ToolResult> {
    const client = this.client;
    if (!client) throw new AppError('TOOL_UNAVAILABLE', `${this.id} is not connected (${this.reason ?? 'unavailable'}).`);
    try {
      const result = await client.callTool({ name: toolName, arguments: args }, undefined, {
        // Aborting (stop, the guard's deadline) makes the SDK send notifications/cancelled.
        signal: ctx.signal,
        // The guard's deadline is the one that counts; the SDK's only backs it up.
        timeout: timeoutMs + 1000,
        onprogress: (progress) => ctx.progress?.(progressText(progress)),
      });
      return convertMcpResult(result as CallToolResult);
    } catch (err) {
      if (err instanceof AppError || ctx.signal.aborted) throw err;
      // A transport failure may mean the server died: check now rather than at the next ping.
      if (!(err instanceof McpError)) void this.checkHealth(client);
      throw new ToolError(this.options.redact(`${this.id} failed: ${(err as Error).message}`).slice(0, 2000));
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client(CLIENT_INFO, {
      capabilities: {},
      listChanged: {
        tools: {
          onChanged: (err, tools) => {
            if (err) this.log.warn({ err }, 'MCP tool list refresh failed');
            else if (tools && this.client === client) this.setTools(tools);
          },
        },
      },
    });
    client.onclose = () => {
      if (this.client === client) this.lost('the connection closed');
    };
    client.onerror = (err) => this.log.debug({ err: { message: this.options.redact(err.message) } }, 'MCP transport error');
    try {
      await client.connect(this.transport(), { timeout: this.options.connectTimeoutMs });
      const tools = await listAllTools(client, this.options.connectTimeoutMs);
      if (this.stopped) {
        await client.close();
        return;
      }
      this.client = client;
      this.failures = 0;
      this.status = 'connected';
      this.reason = undefined;
      this.setTools(tools);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => void this.checkHealth(client), this.options.pingIntervalMs);
      this.pingTimer.unref();
      this.log.info({ tools: this.list.length }, 'MCP server connected');
    } catch (err) {
      this.log.warn({ err: { message: this.options.redact((err as Error).message) } }, 'MCP server connection failed');
      await client.close().catch(() => {});
      this.lost((err as Error).message || 'connection failed');
    }
  }

  private async checkHealth(client: Client): Promise<void> {
    if (this.client !== client) return;
    try {
      await client.ping({ timeout: this.options.connectTimeoutMs });
    } catch (err) {
      if (this.client !== client) return;
      this.lost(`not answering (${(err as Error).message})`);
      await client.close().catch(() => {});
    }
  }

  private lost(reason: string): void {
    this.client = undefined;
    clearInterval(this.pingTimer);
    this.status = 'unavailable';
    this.reason = this.options.redact(reason).slice(0, 300);
    if (this.stopped) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.failures, this.options.reconnectMaxMs);
    this.failures++;
    this.log.info({ reason: this.reason, retryInMs: delay }, 'MCP server unavailable');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private setTools(remote: RemoteTool[]): void {
    const allowed = this.config.allowedTools;
    this.list = remote
      .filter((t) => allowed.includes('*') || allowed.includes(t.name))
      .slice(0, MAX_TOOLS)
      .map((t) => new McpTool(this.config.id, t, this.config.timeoutMs, this));
  }

  private transport(): Transport {
    const config = this.config;
    if (config.transport === 'stdio') {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args,
        // Only what the config names (the SDK adds a minimal safe set such as PATH and HOME): never our secrets.
        env: config.env,
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => this.log.debug({ stderr: this.options.redact(chunk.toString('utf8').slice(0, 2000)) }, 'MCP server stderr'));
      return transport;
    }
    const requestInit = { headers: config.headers };
    return config.transport === 'sse'
      ? new SSEClientTransport(new URL(config.url), { requestInit })
      : new StreamableHTTPClientTransport(new URL(config.url), { requestInit });
  }
}

async function listAllTools(client: Client, timeoutMs: number): Promise<RemoteTool[]> {
  const tools: RemoteTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor && tools.length < MAX_TOOLS);
  return tools;
}

function progressText(progress: Progress): string {
  const share = progress.total ? `${progress.progress}/${progress.total}` : `${progress.progress}`;
  return progress.message ? `${progress.message} (${share})` : `step ${share}`;
}
