import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs Debian's nginx with the shipped deploy/nginx/galaxy.conf.template — placeholders filled, the
 * file otherwise untouched — inside a minimal main context of our own (pid, logs and temp paths in a
 * temp prefix), on a free port. Only that main context is test scaffolding; the docker image
 * supplies its own.
 */

export const TEMPLATE = 'deploy/nginx/galaxy.conf.template';

export const nginxAvailable = (): boolean => spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;

export interface NginxProxy {
  port: number;
  url: string;
  /** The rendered galaxy.conf, for assertions on its directives. */
  config: string;
  close(): Promise<void>;
}

export interface NginxOptions {
  upstream: string;
  proxySecret: string;
  /** email → password, written as a {SSHA} htpasswd file (a scheme nginx reads natively). */
  users: Record<string, string>;
  /**
   * Act like a corporate proxy that blocks WebSockets: every request carrying an Upgrade header is
   * answered 403 before it reaches Galaxy. The one change made to the shipped template's text.
   */
  refuseWebSocketUpgrades?: boolean;
  /** Several instances instead of `upstream`: the upstream block lists each as its own `server` line. */
  upstreams?: string[];
}

/** Puts the upgrade refusal first in the template's `location /` block. */
function refusingUpgrades(config: string): string {
  const marker = 'location / {\n';
  if (!config.includes(marker)) throw new Error(`no "location / {" block in ${TEMPLATE}`);
  return config.replace(marker, `${marker}    if ($http_upgrade) { return 403; }\n`);
}

/** The template's one `server <upstream>;` line becomes one line per instance (as a DNS name with several addresses would). */
function severalServers(config: string, first: string, all: string[]): string {
  const line = `  server ${first};\n`;
  if (!config.includes(line)) throw new Error(`no "server ${first};" line in ${TEMPLATE}`);
  return config.replace(line, all.map((u) => `  server ${u};\n`).join(''));
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fills `${NAME}` placeholders; throws on one left unfilled, so a renamed placeholder fails loudly. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/\$\{(GALAXY_[A-Z_]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${name} in ${TEMPLATE}`);
    return value;
  });
  return rendered;
}

function sshaLine(user: string, password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `${user}:{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export async function startNginx(options: NginxOptions): Promise<NginxProxy> {
  const prefix = mkdtempSync(join(tmpdir(), 'galaxy-nginx-'));
  for (const dir of ['logs', 'temp']) mkdirSync(join(prefix, dir));
  const htpasswd = join(prefix, 'htpasswd');
  writeFileSync(htpasswd, `${Object.entries(options.users).map(([u, p]) => sshaLine(u, p)).join('\n')}\n`);
  const port = await freePort();
  const rendered = renderTemplate(readFileSync(TEMPLATE, 'utf8'), {
    GALAXY_LISTEN: `127.0.0.1:${port}`,
    GALAXY_UPSTREAM: options.upstream,
    GALAXY_HTPASSWD: htpasswd,
    GALAXY_PROXY_SECRET: options.proxySecret,
  });
  const listed = options.upstreams ? severalServers(rendered, options.upstream, options.upstreams) : rendered;
  const config = options.refuseWebSocketUpgrades ? refusingUpgrades(listed) : listed;
  writeFileSync(join(prefix, 'galaxy.conf'), config);
  // As root, nginx switches its workers to `nobody`, who cannot enter a 0700 temp dir: keep them
  // root here (the test machine), as the official image's own main context handles this itself.
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  const temp = join(prefix, 'temp');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `${user}
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log ${join(prefix, 'logs', 'access.log')};
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  include ${join(prefix, 'galaxy.conf')};
}
`,
  );
  chmodSync(prefix, 0o700);
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, child, () => `${stderr}${safeRead(join(prefix, 'logs', 'error.log'))}`);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    config,
    async close() {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
      // GALAXY_CLUSTER_LOGS=<dir> keeps nginx's logs of a failing run to be read.
      const keep = process.env.GALAXY_CLUSTER_LOGS;
      if (keep) for (const log of ['error.log', 'access.log']) writeFileSync(join(keep, `nginx-${log}`), safeRead(join(prefix, 'logs', log)));
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function waitForPort(port: number, child: ChildProcess, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${diagnostics()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port}: ${diagnostics()}`);
}
