import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SHARED_DATA_DIR } from '../support/galaxy.js';
import { connect } from '../support/ws-client.js';

/** Runs the real entry point (server/main.ts) as its own process, as an operator would. */
describe('the server process', () => {
  it('refuses to start on invalid settings, listing every problem', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH, PORT: 'eighty', TRUSTED_PROXIES: 'nonsense' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('TRUSTED_PROXIES');
  }, 30_000);

  it('starts, logs that the native uWS binary loaded, and on SIGTERM ends sessions and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-proc-'));
    const llms = join(dir, 'llms.yml');
    writeFileSync(llms, 'llms:\n  - name: demo\n    provider: demo\n');
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH, PORT: '0', TEST_MODE: 'true', LLM_CONFIG_FILE: llms, LOGS_DIR: join(dir, 'logs'), DATABASE_URL: `sqlite:${join(dir, 'galaxy.db')}`, DATA_DIR: SHARED_DATA_DIR, CODE_WARM_POOL: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    // A failed assertion must not leave the server running.
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line: ${stdout}`)), 20_000);
      child.stdout.on('data', (c) => {
        stdout += c.toString();
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match && stdout.includes('TEST_MODE IS ON')) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    expect(stdout).toContain('"uws":"native binary"');
    expect(stdout).toContain('TEST_MODE IS ON');
    const client = await connect(`ws://127.0.0.1:${port}/ws`, { email: null });
    const ready = await client.hello();
    child.kill('SIGTERM');
    expect(await client.next('shutdown')).toBeTruthy();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const files = readdirSync(join(dir, 'logs'));
    expect(files).toEqual([`${ready.session.id}.jsonl`]);
    const last = readFileSync(join(dir, 'logs', files[0]!), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ kind: 'session-end', reason: 'shutdown' });
    rmSync(dir, { recursive: true, force: true });
  }, 40_000);
});
