import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { SHARED_DATA_DIR } from '../support/galaxy.js';
import { connect } from '../support/ws-client.js';

const children: ChildProcess[] = [];
let upstream: FakeUpstream | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await upstream?.close();
});

/** Starts server/main.ts as its own process and resolves with its port once it listens. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line: ${out}`)), 20_000);
    child.stdout!.on('data', (c) => {
      out += c.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

describe('a crash mid-answer', () => {
  it('SIGKILL keeps every completed message and the partial answer, marked incomplete and found by search', async () => {
    upstream = await startFakeUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-crash-'));
    const llms = join(dir, 'llms.yml');
    writeFileSync(llms, ['llms:', '  - name: fake', '    provider: openai-compatible', `    base_url: ${upstream.baseUrl}`, '    api_key: k', '    model_name: m'].join('\n'));
    const env = {
      PORT: '0', HOST: '127.0.0.1', LLM_CONFIG_FILE: llms, LOGS_DIR: join(dir, 'logs'), DATA_DIR: SHARED_DATA_DIR, CODE_WARM_POOL: '0',
      LLM_STARTUP_CHECK: 'false', DATABASE_URL: `sqlite:${join(dir, 'galaxy.db')}`, HISTORY_PARTIAL_SAVE_MS: '100', DELTA_FLUSH_MS: '0',
    };
    const first = await startProcess(env);
    const client = await connect(`ws://127.0.0.1:${first.port}/ws`, { email: 'crash@example.com' });
    const ready = await client.hello();
    upstream.enqueue({ steps: answerChunks('A finished answer.').map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'first question' });
    await client.next('message-end');
    // The second answer streams slowly and never ends: the process dies in the middle of it.
    const words = answerChunks('one two three four five six seven eight nine ten').slice(0, -2);
    upstream.enqueue({ steps: words.map((chunk) => ({ chunk, delayMs: 40 })), hang: true });
    client.send({ type: 'send', text: 'second question' });
    await client.next((e) => e.type === 'delta' && client.textOf(e.id).includes('four'));
    await new Promise((r) => setTimeout(r, 300)); // past the partial-save interval
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    client.close();

    const second = await startProcess(env);
    const res = await fetch(`http://127.0.0.1:${second.port}/api/conversations/${ready.session.id}`, { headers: { 'X-EMAIL-USER': 'crash@example.com' } });
    expect(res.status).toBe(200);
    const { messages } = (await res.json()) as { messages: Array<{ role: string; text: string; incomplete?: boolean }> };
    expect(messages.map((m) => [m.role, m.text, !!m.incomplete])).toEqual([
      ['user', 'first question', false],
      ['assistant', 'A finished answer.', false],
      ['user', 'second question', false],
      ['assistant', expect.stringContaining('one two three four'), true],
    ]);
    // Search finds the partial answer too: the restarted store indexed the text left saved partial.
    const search = await fetch(`http://127.0.0.1:${second.port}/api/conversations?q=four`, { headers: { 'X-EMAIL-USER': 'crash@example.com' } });
    expect(((await search.json()) as { items: Array<{ id: string }> }).items.map((c) => c.id)).toEqual([ready.session.id]);
    // The chat is usable again and the page is told the answer is incomplete.
    const again = await connect(`ws://127.0.0.1:${second.port}/ws`, { email: 'crash@example.com' });
    await again.hello({ sessionId: ready.session.id });
    const history = await again.next('history');
    expect(history.messages.at(-1)).toMatchObject({ role: 'assistant', incomplete: true });
    again.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
