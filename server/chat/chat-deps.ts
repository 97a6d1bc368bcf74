import type { Logger } from 'pino';
import type { AccessPolicy } from '../access/policy.js';
import type { Env } from '../config/env.js';
import type { DataSourceCatalog } from '../data/catalog.js';
import type { ModelRegistry } from '../llm/model-registry.js';
import type { Redactor } from '../logger.js';
import type { LimitCounters } from '../scale/limits.js';
import type { Presence } from '../scale/presence.js';
import type { SessionExchange } from '../scale/session-exchange.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { TenantBudgets } from '../tenants/tenant-budgets.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { MessageAttachments } from '../attachments/message-attachments.js';
import type { ConversationArchive } from './conversation-archive.js';

/** The settings the chat reads; the rest of the environment is none of its business. */
export type ChatSettings = Pick<
  Env,
  | 'APP_NAME'
  | 'DEFAULT_MODEL'
  | 'MAX_MESSAGE_CHARS'
  | 'MAX_CONCURRENT_TURNS_PER_USER'
  | 'MAX_BAD_FRAMES'
  | 'SESSION_TAKEOVER'
  | 'THINKING_INTERVAL_MS'
  | 'TURN_TIMEOUT_MS'
  | 'DELTA_FLUSH_MS'
  | 'MAX_TOOL_ROUNDS'
  | 'BUDGET_DEFAULT_OUTPUT_TOKENS'
  | 'REDIS_OWNER_TTL_MS'
>;

/**
 * What the chat service needs, and nothing more. The running server passes its AppContext (which
 * has all of it); unit tests pass fakes.
 */
export interface ChatDeps {
  readonly env: Readonly<ChatSettings>;
  readonly systemPrompt: string;
  readonly log: Logger;
  /** Every configured secret: nothing the chat sends out may carry one. */
  readonly redactor: Redactor;
  readonly sessions: SessionManager;
  readonly models: ModelRegistry;
  readonly tools: ToolRegistry;
  readonly catalog: DataSourceCatalog;
  /** Decides for (person, tenant) pairs: the tenant's grants narrowed by the operator's policy. */
  readonly policy: AccessPolicy;
  readonly tenants: TenantDirectory;
  /** Who holds each person's live connection across instances (LocalPresence in one process). */
  readonly presence: Presence;
  /** Live chats shared with other instances (REDIS_URL); local in one process. */
  readonly exchange: SessionExchange;
  /** Message rate and concurrent answers per person, across instances when they share Redis. */
  readonly limits: LimitCounters;
  /** Monthly budgets; absent when no store keeps them (tests of the chat alone). */
  readonly budgets?: TenantBudgets;
  /** Stored chats a person can reopen; absent when history is off. */
  readonly archive?: ConversationArchive;
  /** Uploaded files a message may name; absent when history is off (files are kept with the chat). */
  readonly attachments?: MessageAttachments;
  readonly shuttingDown: boolean;
}
