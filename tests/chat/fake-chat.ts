import pino from 'pino';
import type { ChatDeps } from '../../server/chat/chat-deps.js';
import { ConnectionState } from '../../server/chat/connection-state.js';
import { LocalLimits } from '../../server/scale/limits.js';
import type { ConversationArchive } from '../../server/chat/conversation-archive.js';
import { DataSourceCatalog } from '../../server/data/catalog.js';
import { DemoModel } from '../../server/llm/demo-model.js';
import { ModelRegistry } from '../../server/llm/model-registry.js';
import { Redactor } from '../../server/logger.js';
import type { ServerEvent } from '../../server/protocol/server-events.js';
import type { Connection, SendResult } from '../../server/sessions/connection.js';
import { SessionManager } from '../../server/sessions/session-manager.js';
import type { AccessPolicy } from '../../server/access/policy.js';
import type { TenantBudgets } from '../../server/tenants/tenant-budgets.js';
import { TenantDirectory } from '../../server/tenants/tenant-directory.js';
import { LocalPresence } from '../../server/scale/presence.js';
import type { Session } from '../../server/sessions/session.js';
import { LocalExchange, type SessionExchange } from '../../server/scale/session-exchange.js';
import { ToolRegistry } from '../../server/tools/registry.js';

const silent = pino({ level: 'silent' });
const allowAll = { canUseModel: () => true, canUseTool: () => true, canUseDataSource: () => true };

/** A connection that keeps what it was sent, for tests of the chat logic without a socket. */
export class FakeConnection implements Connection {
  readonly frames: ServerEvent[] = [];
  closed = false;
  closeCode?: number;
  readonly log = silent;

  constructor(
    readonly id: string,
    readonly user: string,
  ) {}

  send(json: string): SendResult {
    if (this.closed) return 'dropped';
    this.frames.push(JSON.parse(json) as ServerEvent);
    return 'sent';
  }

  bufferedAmount(): number {
    return 0;
  }

  close(code: number): void {
    this.closed = true;
    this.closeCode = code;
  }

  of<T extends ServerEvent['type']>(type: T): Array<Extract<ServerEvent, { type: T }>> {
    return this.frames.filter((f): f is Extract<ServerEvent, { type: T }> => f.type === type);
  }
}

/** Chat dependencies with the demo model, no tools, no data, and sessions that keep nothing on disk. */
export interface FakeDepsOptions {
  archive?: ConversationArchive;
  takeover?: 'takeover' | 'reject';
  tenants?: TenantDirectory;
  budgets?: TenantBudgets;
  policy?: AccessPolicy;
  /** What other instances share (a fake one in the relay's unit tests). */
  exchange?: SessionExchange;
  /** Where a chat's numbered events are mirrored, and what runs once its records are closed. */
  mirrorFor?: (sessionId: string) => ((seq: number, json: string) => void) | undefined;
  afterClose?: (session: Session) => Promise<void>;
}

export function fakeDeps(options: FakeDepsOptions = {}): ChatDeps & { shuttingDown: boolean } {
  const sessions = new SessionManager({
    sinksFor: () => [],
    eventBufferBytes: 1 << 20,
    highWaterMark: 1 << 20,
    resumeGraceMs: 60_000,
    sessionTtlMs: 60_000,
    log: silent,
    onSessionEnded: async () => undefined,
    ...(options.mirrorFor ? { mirrorFor: options.mirrorFor } : {}),
    ...(options.afterClose ? { afterClose: options.afterClose } : {}),
  });
  return {
    env: {
      APP_NAME: 'Galaxy Test',
      DEFAULT_MODEL: 'demo',
      MAX_MESSAGE_CHARS: 1000,
      MAX_CONCURRENT_TURNS_PER_USER: 2,
      MAX_BAD_FRAMES: 5,
      SESSION_TAKEOVER: options.takeover ?? 'takeover',
      THINKING_INTERVAL_MS: 5000,
      TURN_TIMEOUT_MS: 30_000,
      DELTA_FLUSH_MS: 0,
      MAX_TOOL_ROUNDS: 3,
      BUDGET_DEFAULT_OUTPUT_TOKENS: 4096,
      REDIS_OWNER_TTL_MS: 10_000,
    },
    systemPrompt: 'You are a test.',
    log: silent,
    redactor: new Redactor([]),
    sessions,
    models: new ModelRegistry([{ model: new DemoModel({ wordDelayMs: 0 }) }]),
    tools: new ToolRegistry([], options.policy ?? allowAll, { timeoutMs: 1000, maxResultChars: 1000 }),
    catalog: DataSourceCatalog.fromEntries([], '.'),
    policy: options.policy ?? allowAll,
    tenants: options.tenants ?? TenantDirectory.implicit(),
    presence: new LocalPresence(),
    exchange: options.exchange ?? new LocalExchange(),
    limits: new LocalLimits({ messageRatePerS: 100, messageBurst: 100, maxUsers: 1000 }),
    ...(options.budgets ? { budgets: options.budgets } : {}),
    shuttingDown: false,
    ...(options.archive ? { archive: options.archive } : {}),
  };
}

export function connect(
  user: string,
  id = `c_${Math.random().toString(36).slice(2)}`,
  tenants: TenantDirectory = TenantDirectory.implicit(),
): { conn: FakeConnection; state: ConnectionState } {
  const conn = new FakeConnection(id, user);
  return { conn, state: new ConnectionState(conn, false, tenants.principal(user)) };
}
