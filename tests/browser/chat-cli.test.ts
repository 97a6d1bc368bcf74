import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { startChatServer, type ChatServer } from './chat-server.js';

/** scripts/chat-cli.ts spawned against the real server and the fake upstream. */

let chat: ChatServer;

beforeAll(async () => {
  chat = await startChatServer({ LLM_MAX_RETRIES: '0' });
});

afterAll(async () => {
  await chat?.close();
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chat-cli.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const port = () => new URL(chat.url).port;

describe('chat CLI', () => {
  it('derives its URL from PORT, prints the answer and exits 0', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Answer for the CLI.'), { delayMs: 5 }));
    const run = await runCli(['Hello', 'there'], { PORT: port() });
    expect(run.stdout.trim()).toBe('Answer for the CLI.');
    expect(run.code).toBe(0);
  });

  it('exits non-zero when the model fails', async () => {
    chat.upstream.enqueue({ status: 500 });
    const run = await runCli(['Fail please'], { PORT: port() });
    expect(run.stderr).toMatch(/\[error [A-Z_]+\]/);
    expect(run.code).toBe(1);
  });

  it('with --new starts a fresh chat instead of replaying the joined one', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('First chat answer.'), { delayMs: 5 }));
    expect((await runCli(['One'], { PORT: port() })).code).toBe(0);
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Fresh chat answer.'), { delayMs: 5 }));
    const run = await runCli(['--new', 'Two'], { PORT: port() });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('Fresh chat answer.');
    // The upstream saw only the new question: the earlier turn is not in the fresh chat's history.
    const last = chat.upstream.requests.at(-1)!;
    expect(JSON.stringify(last.body)).not.toContain('One');
  });
});
