import type { ToolDefinition } from './tool.js';

export type SourceStatus = 'starting' | 'connected' | 'unavailable' | 'disabled';

export interface SourceState {
  status: SourceStatus;
  /** Why the source's tools cannot be used right now (when not connected). */
  reason?: string;
  /** How many of its tools are offered. */
  tools: number;
}

/**
 * Where tools come from: the built-in tools, or one MCP server. A source may connect after boot,
 * fail, come back, and change its tool list; the registry asks it afresh on every lookup, so those
 * changes need no notification to take effect.
 */
export interface ToolSource {
  /** "builtin", the MCP server's id, or `<server>@<tenant>` for a per-tenant instance. */
  readonly id: string;
  /** Set when only this tenant's chats may reach the source (a per-tenant MCP instance). */
  readonly tenant?: string | undefined;
  /** The tools it offers now (an unavailable source still lists the tools it last had, see `available`). */
  tools(): readonly ToolDefinition[];
  /** False while the source cannot run its tools (down, reconnecting). */
  available(): boolean;
  state(): SourceState;
  start(): Promise<void>;
  disposeSession(sessionId: string): Promise<void>;
  stop(): Promise<void>;
  /** Extra facts per tool for /ready. */
  readiness(): Record<string, unknown>;
}
