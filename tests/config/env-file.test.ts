import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { withEnvFile } from '../../server/config/env-file.js';
import { ConfigError } from '../../server/config/env.js';
import { SHARED_DATA_DIR } from '../support/galaxy.js';
import { connect } from '../support/ws-client.js';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-envfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('reading .env', () => {
  it('puts the file under the environment: variables already set win', () => {
    const file = join(dir, 'a.env');
    writeFileSync(file, 'APP_NAME="From the file"\nPORT=1234\n# a comment\nTEST_MODE=true\n');
    const env = withEnvFile({ ENV_FILE: file, PORT: '9000', EMPTY_IS_SET: '' });
    expect(env).toMatchObject({ APP_NAME: 'From the file', PORT: '9000', TEST_MODE: 'true', EMPTY_IS_SET: '' });
  });

  it('runs without a .env when none was asked for, and refuses a missing ENV_FILE', () => {
    expect(withEnvFile({ PORT: '1' }, join(dir, 'no-such.env'))).toEqual({ PORT: '1' });
    writeFileSync(join(dir, 'default.env'), 'APP_NAME=Default file\n');
    expect(withEnvFile({ PORT: '1' }, join(dir, 'default.env'))).toEqual({ PORT: '1', APP_NAME: 'Default file' });
    expect(problemsOf(() => withEnvFile({ ENV_FILE: join(dir, 'nope.env') }))).toEqual([`ENV_FILE: ${join(dir, 'nope.env')} does not exist`]);
  });

  it('is read by the entry point, as `npm start` runs it', async () => {
    const llms = join(dir, 'llms.yml');
    writeFileSync(llms, 'llms:\n  - name: demo\n    provider: demo\n');
    const file = join(dir, 'server.env');
    const logs = join(dir, 'logs');
    writeFileSync(file, `APP_NAME=Dotenv Galaxy\nTEST_MODE=TRUE\nTEST_EMAIL=file@example.com\nPORT=0\nLLM_CONFIG_FILE=${llms}\nLOGS_DIR=${logs}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH, ENV_FILE: file, TEST_EMAIL: 'shell@example.com', DATA_DIR: SHARED_DATA_DIR, CODE_WARM_POOL: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line: ${stdout}`)), 20_000);
      child.stdout.on('data', (c) => {
        stdout += c.toString();
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const client = await connect(`ws://127.0.0.1:${port}/ws`, { email: null });
    const ready = await client.hello();
    expect(ready).toMatchObject({ appName: 'Dotenv Galaxy', user: 'shell@example.com', testMode: true });
    client.close();
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  }, 40_000);
});
