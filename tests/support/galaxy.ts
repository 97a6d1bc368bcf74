import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startServer, type RunningServer } from '../../server/app.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { connect, type ConnectOptions, type TestClient } from './ws-client.js';

/** The fake upstream model's API key: tests assert it never reaches a transcript or a client. */
export const UPSTREAM_KEY = 'sk-upstream-secret-key-0123456789';
/** Sample data is deterministic, so every test run can share one built copy. */
export const SHARED_DATA_DIR = join(tmpdir(), 'galaxy-test-data');

export interface Galaxy {
  server: RunningServer;
  upstream: FakeUpstream;
  dir: string;
  logsDir: string;
  httpUrl: string;
  wsUrl: string;
  connect(options?: ConnectOptions): Promise<TestClient>;
  /** Connects and says hello; resolves with the client and its ready event. */
  open(options?: ConnectOptions & { hello?: Record<string, unknown> }): Promise<{ client: TestClient; ready: any }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }>;
  close(): Promise<void>;
  /** Stops the server but keeps its folder, for a restart with `startGalaxy({ dir })`. */
  stop(): Promise<void>;
}

export interface GalaxyOptions {
  env?: Record<string, string>;
  /** Extra llms.yml entries (YAML list items). */
  extraModels?: string;
  accessYaml?: string;
  /** Written as the tenants file; without it the server has one implicit tenant. */
  tenantsYaml?: string;
  /** The budgets' clock. */
  clock?: () => Date;
  /** Extra YAML lines for the `fake` model entry (e.g. `    context_tokens: 400`). */
  fakeModelLines?: string[];
  /** Reuse this folder (logs, history database) — a restart of an earlier server. */
  dir?: string;
  /** Capture operator logs (e.g. audit lines) instead of the silent default. */
  logger?: Logger;
}

export async function startGalaxy(options: GalaxyOptions = {}): Promise<Galaxy> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'galaxy-it-'));
  const logsDir = join(dir, 'logs');
  const upstream = await startFakeUpstream();
  const llmsFile = join(dir, 'llms.yml');
  writeFileSync(
    llmsFile,
    [
      'llms:',
      '  - name: fake',
      '    label: Fake upstream',
      '    provider: openai-compatible',
      `    base_url: ${upstream.baseUrl}`,
      '    api_key: ${FAKE_KEY}',
      '    model_name: fake-model',
      ...(options.fakeModelLines ?? []),
      '  - name: demo',
      '    provider: demo',
      options.extraModels ?? '',
    ].join('\n'),
  );
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOGS_DIR: logsDir,
    DATA_DIR: SHARED_DATA_DIR,
    LLM_CONFIG_FILE: llmsFile,
    FAKE_KEY: UPSTREAM_KEY,
    LLM_STARTUP_CHECK: 'false',
    CODE_WARM_POOL: '0',
    DELTA_FLUSH_MS: '0',
    // Each server gets its own history database, never the working directory's.
    DATABASE_URL: `sqlite:${join(dir, 'galaxy.db')}`,
    // Never the working directory's config/tenants.yml: a test has tenants only when it writes them.
    TENANTS_CONFIG_FILE: join(dir, 'tenants.yml'),
    ...options.env,
  };
  if (options.tenantsYaml) writeFileSync(env.TENANTS_CONFIG_FILE!, options.tenantsYaml);
  if (options.accessYaml) {
    env.ACCESS_CONFIG_FILE = join(dir, 'access.yml');
    writeFileSync(env.ACCESS_CONFIG_FILE, options.accessYaml);
  }
  const server = await startServer({ env, ...(options.logger ? { logger: options.logger } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const httpUrl = `http://127.0.0.1:${server.port}`;
  const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  const galaxy: Galaxy = {
    server,
    upstream,
    dir,
    logsDir,
    httpUrl,
    wsUrl,
    connect: (o) => connect(wsUrl, o),
    async open(o = {}) {
      const client = await connect(wsUrl, o);
      const ready = await client.hello(o.hello);
      return { client, ready };
    },
    async get(path, headers = { 'X-EMAIL-USER': 'alice@example.com' }) {
      const res = await fetch(`${httpUrl}${path}`, { headers });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    async stop() {
      await server.close();
      await upstream.close();
    },
    async close() {
      await server.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return galaxy;
}
