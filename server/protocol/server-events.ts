import type { ErrorCode, ErrorDetails } from '../errors.js';
import type { AttachmentRef } from '../store/store.js';
import type { ToolUi } from '../tools/ui.js';

/**
 * Everything the server sends. Each event carries `seq`, a per-session sequence number, so a
 * reconnecting client can ask for everything after the last one it saw. Events without a session
 * (an error before hello, the takeover notice) carry seq 0 and are never replayed.
 */

export interface ModelInfo {
  name: string;
  label: string;
  provider: string;
  demo: boolean;
  available: boolean;
  reason?: string;
  /** The model accepts images (`vision: true` in llms.yml); others refuse image attachments. */
  vision?: boolean;
}

export interface ToolInfo {
  name: string;
  description: string;
  /** The MCP server offering it; absent for built-in tools. */
  server?: string;
  /** False while its MCP server is down (then `reason` says why). */
  available?: boolean;
  reason?: string;
}

export interface DataSourceInfo {
  id: string;
  name: string;
  description: string;
}

export interface SessionInfo {
  id: string;
  /** The organisation this chat works for; locked with the first message. */
  tenant: string;
  model: string;
  tools: string[];
  dataSources: string[];
  locked: boolean;
  startedAt: string;
  /** The chat's title (from its first message, or as renamed); '' before the first message. */
  title: string;
  /** The assistant message being generated right now, if any (after a reload the page shows Stop). */
  runningMessageId?: string;
}

export interface TenantInfo {
  id: string;
  name: string;
}

export type BudgetDimensionName = 'requests' | 'inputTokens' | 'outputTokens';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type ServerEventBody =
  | {
      type: 'ready';
      v: number;
      appName: string;
      user: string;
      testMode: boolean;
      resumed: boolean;
      session: SessionInfo;
      models: ModelInfo[];
      tools: ToolInfo[];
      dataSources: DataSourceInfo[];
      /** The tenants this person works for; the page offers a choice only when there are several. */
      tenants: TenantInfo[];
      /** `attachments` is absent when files cannot be attached (history off). */
      limits: { maxMessageChars: number; attachments?: { maxBytes: number; maxFiles: number; types: string[] } };
      /** True when chats are kept: the page shows the sidebar of earlier chats. */
      history: boolean;
    }
  | { type: 'history'; messages: HistoryEntry[]; runningMessageId?: string }
  /** The answer to `select-tenant`: what the chat may use now, and its reset selection. */
  | { type: 'scope'; session: SessionInfo; models: ModelInfo[]; tools: ToolInfo[]; dataSources: DataSourceInfo[] }
  /** Once per chat, when its tenant's spending passes `warn_at` of a monthly limit. */
  | { type: 'budget-warning'; tenant: string; dimension: BudgetDimensionName; used: number; limit: number; resetsAt: string; message: string }
  | { type: 'model-selected'; model: string }
  | { type: 'title'; title: string }
  | { type: 'selection'; tools: string[]; dataSources: string[]; locked: boolean }
  | { type: 'user-message'; id: string; clientId?: string; text: string; at: string; attachments?: AttachmentRef[] }
  | { type: 'message-start'; id: string; model: string; at: string }
  | { type: 'delta'; id: string; text: string }
  | {
      type: 'message-end';
      id: string;
      finishReason: string;
      incomplete: boolean;
      usage?: Usage;
      error?: { code: ErrorCode; message: string } & ErrorDetails;
    }
  | { type: 'tool-call'; messageId: string; callId: string; name: string; args: unknown }
  | { type: 'tool-result'; messageId: string; callId: string; content: string; ui?: ToolUi }
  | { type: 'tool-error'; messageId: string; callId: string; code: ErrorCode; message: string }
  | { type: 'status'; text: string; elapsedMs: number; tool?: string }
  | { type: 'feedback-saved'; messageId?: string }
  /** This message and every later one are now an earlier version (regenerate, edit-message). */
  | { type: 'superseded'; fromId: string; reason: 'regenerate' | 'edit' }
  /** Something the reader should know about this chat, said once (e.g. `context-trimmed`). */
  | { type: 'notice'; key: string; text: string }
  | ({ type: 'error'; code: ErrorCode; message: string; messageId?: string } & ErrorDetails)
  | { type: 'takeover'; message: string }
  | { type: 'shutdown'; message: string };

export type ServerEvent = ServerEventBody & { seq: number };

/** One message as re-sent after a resume gap. */
export interface HistoryEntry {
  id: string;
  role: 'user' | 'assistant' | 'tool';
  text: string;
  at: string;
  model?: string;
  incomplete?: boolean;
  /** Files sent with a user message (name, type, size): the page shows them as chips. */
  attachments?: AttachmentRef[];
  /** An earlier version: replaced by a regenerated answer or an edited message. */
  superseded?: boolean;
  toolCall?: { callId: string; name: string; args: unknown; content?: string; error?: string; ui?: ToolUi };
}

/** WebSocket close codes we use, documented in docs/protocol.md. */
export const CLOSE_CODES = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  TAKEN_OVER: 4001,
  PROTOCOL_VERSION: 4002,
  HELLO_TIMEOUT: 4003,
  SESSION_REJECTED: 4004,
  FELL_BEHIND: 4005,
  NO_TENANT: 4006,
} as const;
