import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithPostgres, postgresBinDir, startPostgres } from '../../support/postgres.js';

describe('finding PostgreSQL binaries', () => {
  const root = mkdtempSync(join(tmpdir(), 'galaxy-pg-root-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const install = (version: string, files: string[]) => {
    mkdirSync(join(root, version, 'bin'), { recursive: true });
    for (const f of files) writeFileSync(join(root, version, 'bin', f), '');
  };

  it('picks the newest complete version directory, numerically', () => {
    expect(postgresBinDir(join(root, 'missing'))).toBeUndefined();
    expect(postgresBinDir(root)).toBeUndefined();
    install('9', ['initdb', 'postgres']);
    install('15', ['initdb', 'postgres']);
    install('16', ['initdb']);
    expect(postgresBinDir(root)).toBe(join(root, '15', 'bin'));
  });
});

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describeWithPostgres('the test PostgreSQL', () => {
  it('serves separate fresh databases on a free port, then stops and leaves nothing behind', async () => {
    const server = await startPostgres();
    const second = await server.createDatabase();
    expect(second).not.toBe(server.url);
    const client = new pg.Client({ connectionString: second });
    await client.connect();
    const { rows } = await client.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
    expect(rows[0]!.n).toBe(0);
    const dataDir = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    await client.end();
    expect(existsSync(dataDir)).toBe(true);
    await server.stop();
    expect(await accepts(server.port)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });
});
