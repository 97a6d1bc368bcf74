import type { ChatDeps } from './chat/chat-deps.js';
import type { Env } from './config/env.js';
import type { DiskMonitor } from './housekeeping/disk-space.js';
import type { Metrics } from './metrics/metrics.js';
import type { Store } from './store/store.js';
import type { GatewayClient } from './tools/mcp/mcp-config.js';

/**
 * Everything the routers and the chat service share, wired once in app.ts: what the chat needs
 * (ChatDeps, with the whole environment) plus what only the routers and operations use.
 */
export interface AppContext extends ChatDeps {
  readonly env: Readonly<Env>;
  readonly store: Store;
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
