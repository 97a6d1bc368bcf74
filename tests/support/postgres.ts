import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import { freePort } from './nginx.js';

/**
 * Runs a real, throw-away PostgreSQL (Debian's packages) for tests: its own data and socket
 * directory in a fresh temp dir, trust authentication, a free port on 127.0.0.1. Durability is
 * switched off (fsync, synchronous_commit): the cluster lives only as long as the test file.
 */

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed version's bin directory, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(root = PG_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

export const postgresAvailable = (root = PG_ROOT): boolean => postgresBinDir(root) !== undefined;

/**
 * `describe` when PostgreSQL is installed. Without it: a loud skip on a developer's machine, and a
 * failing test under CI=true, because CI must never pass by skipping the PostgreSQL checks.
 */
export function describeWithPostgres(name: string, body: () => void, root = PG_ROOT): void {
  if (postgresAvailable(root)) {
    describe(name, body);
    return;
  }
  const why = `PostgreSQL is not installed (no ${root}/<version>/bin/initdb); install Debian's postgresql package`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(why);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${why}`);
  describe.skip(name, body);
}

export interface TestPostgres {
  /** A database created for the caller (one per test file), e.g. postgres://postgres@127.0.0.1:5433/galaxy_1. */
  url: string;
  port: number;
  /** Another fresh, empty database on the same server; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

// initdb and postgres refuse to run as root; the tests run as root in CI containers.
const asRoot = process.getuid?.() === 0;
const command = (bin: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]);

async function waitUntilReady(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}:\n${output()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chownSync(sockets, uid, gid);
  }
  const init = spawnSync(...command(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']), { encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  let log = '';
  const server = spawn(
    ...command(join(bin, 'postgres'), [
      '-D', data, '-k', sockets, '-h', '127.0.0.1', '-p', String(port),
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Only the tail is kept: it is for the error message when the server fails to start.
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-10_000));
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  // A test file that dies before its afterAll must not leave a postgres running on a shared machine.
  const killOnExit = () => {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // SIGQUIT: immediate shutdown, the only kind that finishes while this process exits.
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // No pid file: the server is already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      // "fast" disconnects clients instead of waiting for them. pg_ctl signals postgres itself:
      // runuser, the direct child under root, does not pass SIGINT on.
      const stopping = spawn(...command(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']), { stdio: 'ignore' });
      await new Promise((resolve) => stopping.once('exit', resolve));
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(`${base}/postgres`, server, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  let databases = 0;
  const createDatabase = async () => {
    const name = `galaxy_${++databases}`;
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return `${base}/${name}`;
  };
  return { url: await createDatabase(), port, createDatabase, stop };
}

function postgresUser(): { uid: number; gid: number } {
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (ids.status !== 0 || groups.status !== 0) throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as');
  return { uid: Number(ids.stdout.trim()), gid: Number(groups.stdout.trim()) };
}
