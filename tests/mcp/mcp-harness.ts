import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Galaxy } from '../support/galaxy.js';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';

export const EVERYTHING = join('node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const PROBE = join('tests', 'mcp', 'fixtures', 'probe-server.mjs');

export const ACCESS_ALL = `
groups:
  everyone:
    match: ["*@example.com"]
    models: ["*"]
    tools: ["*"]
    data_sources: ["*"]
`;

export const call = (id: string, name: string, args: object) => ({ steps: toolCallAnswerChunks({ id, name, arguments: JSON.stringify(args) }).map((chunk) => ({ chunk })) });
export const answer = (text: string) => ({ steps: answerChunks(text).map((chunk) => ({ chunk })) });

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** server-everything over sse or streamableHttp as a child on `port`; resolves once it listens. */
export async function startEverything(mode: 'sse' | 'streamableHttp', port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [EVERYTHING, mode], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 15_000);
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/listening|running/i.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}: ${seen}`)));
  });
  return child;
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export function writeMcpConfig(dir: string, yaml: string): string {
  const file = join(dir, 'mcp.yml');
  writeFileSync(file, yaml);
  return file;
}

/** Polls /ready until the MCP server has the wanted status. */
export async function waitForServer(g: Galaxy, id: string, status: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const ready = await g.get('/ready');
    last = JSON.parse(ready.text).mcpServers?.[id];
    if ((last as { status?: string } | undefined)?.status === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect.fail(`MCP server ${id} never became ${status}; last state ${JSON.stringify(last)}`);
}
