import type { Logger } from 'pino';
import type { AccessPolicy } from './access/policy.js';
import type { ConversationArchive } from './chat/conversation-archive.js';
import type { Env } from './config/env.js';
import type { DataSourceCatalog } from './data/catalog.js';
import type { DiskMonitor } from './housekeeping/disk-space.js';
import type { Metrics } from './metrics/metrics.js';
import type { ModelRegistry } from './llm/model-registry.js';
import type { Redactor } from './logger.js';
import type { SessionManager } from './sessions/session-manager.js';
import type { Store } from './store/store.js';
import type { GatewayClient } from './tools/mcp/mcp-config.js';
import type { ToolRegistry } from './tools/registry.js';

/** Everything the routers and the chat service share, wired once in app.ts. */
export interface AppContext {
  readonly env: Readonly<Env>;
  readonly systemPrompt: string;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly sessions: SessionManager;
  readonly models: ModelRegistry;
  readonly tools: ToolRegistry;
  readonly catalog: DataSourceCatalog;
  readonly policy: AccessPolicy;
  readonly store: Store;
  /** Stored chats to reopen; absent with HISTORY_ENABLED=false. */
  readonly archive?: ConversationArchive;
  /** Clients that may use the /mcp gateway with a bearer token (config/mcp.yml). */
  readonly gatewayClients: readonly GatewayClient[];
  readonly uwsNative: boolean;
  /** Free space in LOGS_DIR and DATA_DIR, for /ready. */
  readonly disk: DiskMonitor;
  /** Where operational counters go (server/metrics/); record through this interface only. */
  readonly metrics: Metrics;
  readonly startedAt: number;
  shuttingDown: boolean;
}
