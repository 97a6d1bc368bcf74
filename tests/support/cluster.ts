import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { SHARED_DATA_DIR } from './galaxy.js';
import { freePort, startNginx, type NginxProxy } from './nginx.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { startRedis, type TestRedis } from './redis.js';
import { connect, type TestClient } from './ws-client.js';

export const CLUSTER_SECRET = 'cluster-proxy-secret-0123456789abcdef';
export const CLUSTER_PASSWORD = 'correct horse battery staple';

/** One Galaxy process (server/main.ts, as an operator runs it) of the cluster. */
export interface Instance {
  readonly name: string;
  readonly port: number;
  child: ChildProcess;
  /** Everything it printed (pino JSON lines). */
  output(): string;
  /** Sends a signal and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after a kill), with the same settings. */
  restart(): Promise<void>;
}

export interface Cluster {
  postgres: TestPostgres;
  redis: TestRedis;
  upstream: FakeUpstream;
  instances: Instance[];
  proxy: NginxProxy;
  /** A WebSocket through nginx, signed in as `email` by the proxy (basic auth). */
  connect(email: string): Promise<TestClient>;
  /** An HTTP GET through nginx as `email`. */
  get(email: string, path: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** People nginx signs in (all with CLUSTER_PASSWORD). */
  users: string[];
  tenantsYaml?: string;
  env?: Record<string, string>;
}

const basic = (email: string) => `Basic ${Buffer.from(`${email}:${CLUSTER_PASSWORD}`).toString('base64')}`;

async function spawnInstance(env: Record<string, string>, name: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes('listening on http://')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) while starting:\n${out}`));
    });
  });
  return { child, output: () => out };
}

async function startInstance(name: string, dir: string, base: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const env = { ...base, PORT: String(port), APP_NAME: name, LOGS_DIR: join(dir, name, 'logs') };
  mkdirSync(join(dir, name), { recursive: true });
  let running = await spawnInstance(env, name);
  const instance: Instance = {
    name,
    port,
    child: running.child,
    output: () => running.output(),
    async kill(signal) {
      if (running.child.exitCode !== null || running.child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
      running.child.kill(signal);
      await exited;
    },
    async restart() {
      running = await spawnInstance(env, name);
      instance.child = running.child;
    },
  };
  return instance;
}

/**
 * PostgreSQL, Redis, a fake model upstream, two Galaxy processes and nginx in front of them in
 * plain round-robin (no stickiness: `worker_processes 1`, so connections alternate between them).
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-cluster-'));
  const [postgres, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startFakeUpstream()]);
  const llms = join(dir, 'llms.yml');
  writeFileSync(llms, ['llms:', '  - name: fake', '    provider: openai-compatible', `    base_url: ${upstream.baseUrl}`, '    api_key: k', '    model_name: m'].join('\n'));
  const tenants = join(dir, 'tenants.yml');
  if (options.tenantsYaml) writeFileSync(tenants, options.tenantsYaml);
  const base: Record<string, string> = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LLM_CONFIG_FILE: llms,
    DATA_DIR: SHARED_DATA_DIR,
    CODE_WARM_POOL: '0',
    LLM_STARTUP_CHECK: 'false',
    DATABASE_URL: postgres.url,
    DATABASE_POOL_MAX: '4',
    REDIS_URL: redis.url,
    REDIS_OWNER_TTL_MS: '2000',
    REDIS_PRESENCE_TTL_MS: '2000',
    REDIS_LEASE_TTL_MS: '2000',
    PROXY_SECRET: CLUSTER_SECRET,
    TENANTS_CONFIG_FILE: tenants,
    HISTORY_PARTIAL_SAVE_MS: '100',
    DELTA_FLUSH_MS: '0',
    ...options.env,
  };
  const instances = [await startInstance('Galaxy A', dir, base), await startInstance('Galaxy B', dir, base)];
  const proxy = await startNginx({
    upstream: `127.0.0.1:${instances[0]!.port}`,
    // A dead instance is skipped per connection (connection refused), never marked down for long.
    upstreams: instances.map((i) => `127.0.0.1:${i.port} max_fails=0`),
    proxySecret: CLUSTER_SECRET,
    users: Object.fromEntries(options.users.map((u) => [u, CLUSTER_PASSWORD])),
  });
  return {
    postgres,
    redis,
    upstream,
    instances,
    proxy,
    connect: (email) => connect(`ws://127.0.0.1:${proxy.port}/ws`, { email: null, origin: proxy.url, headers: { Authorization: basic(email) } }),
    async get(email, path) {
      const res = await fetch(`${proxy.url}${path}`, { headers: { Authorization: basic(email) } });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      // GALAXY_CLUSTER_LOGS=<dir> keeps each instance's log for a failing run to be read.
      const keep = process.env.GALAXY_CLUSTER_LOGS;
      if (keep) for (const i of instances) writeFileSync(join(keep, `${i.name.replace(/\W+/g, '-')}.log`), i.output());
      // Instances first: nginx's graceful stop would otherwise wait for every open WebSocket.
      await Promise.all(instances.map((i) => i.kill('SIGKILL')));
      await proxy.close();
      await Promise.all([postgres.stop(), redis.stop(), upstream.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
