import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { PROBE } from '../mcp/mcp-harness.js';
import { newUserContext, openChat, startChatServer, type ChatServer } from './chat-server.js';

/** MCP tools in the tool picker: grouped by their server, named without its prefix, selected like built-ins. */
let chat: ChatServer;
let browser: Browser;
let dir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 100 } } });
  dir = mkdtempSync(join(tmpdir(), 'galaxy-mcp-picker-'));
  writeFileSync(join(dir, 'mcp.yml'), `servers:\n  - id: probe\n    transport: stdio\n    command: node\n    args: ["${PROBE}"]\n`);
  writeFileSync(join(dir, 'access.yml'), 'groups:\n  all:\n    match: ["*"]\n    models: ["*"]\n    tools: ["*"]\n    data_sources: ["*"]\n');
  [chat, browser] = await Promise.all([
    startChatServer({ MCP_CONFIG_FILE: join(dir, 'mcp.yml'), ACCESS_CONFIG_FILE: join(dir, 'access.yml') }),
    launchBrowser(),
  ]);
  // The server connects after boot: wait for it, so `ready` lists its tools.
  const deadline = Date.now() + 20_000;
  while (chat.server.ctx.tools.serverStates().probe?.status !== 'connected') {
    if (Date.now() > deadline) throw new Error(`probe never connected: ${JSON.stringify(chat.server.ctx.tools.serverStates())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await chat?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

describe('MCP tools in the picker', () => {
  it('groups them under their server, after the built-in tools', async () => {
    const context = await newUserContext(browser);
    contexts.push(context);
    const page = await openChat(context, chat.url);
    const probeGroup = page.getByRole('group', { name: 'Tools from probe' });
    await probeGroup.waitFor();
    expect(await page.getByRole('group').first().getAttribute('class')).toContain('chip-group');
    expect(await page.locator('legend').first().textContent()).toBe('Tools');
    await probeGroup.getByRole('checkbox', { name: 'probe__env' }).waitFor();
    expect(await probeGroup.locator('.chip span').allTextContents()).toEqual(expect.arrayContaining(['env', 'wait', 'fingerprint']));
    expect(await page.getByRole('group', { name: 'Tools' }).getByRole('checkbox', { name: 'basic_math' }).count()).toBe(1);
  });
});
