import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { DataSourceCatalog } from '../../server/data/catalog.js';
import { buildSampleData } from '../../server/data/sample-data.js';
import type { ToolContext } from '../../server/tools/tool.js';

/** Shared by the data and tool tests: sample data in a temp dir, a catalog over it, a fake tool context. */

export const CATALOG_FILE = fileURLToPath(new URL('../../config/data-sources.yml', import.meta.url));

export interface SampleFixture {
  dataDir: string;
  catalog: DataSourceCatalog;
  cleanup(): void;
}

export function makeSampleFixture(prefix = 'galaxy-data-'): SampleFixture {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  buildSampleData(dataDir);
  return {
    dataDir,
    catalog: DataSourceCatalog.load(CATALOG_FILE, dataDir),
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export function fakeToolContext(dataSources: string[], signal: AbortSignal = new AbortController().signal): ToolContext {
  return { user: 'tester@example.com', tenant: 'default', credentials: {}, sessionId: 'session-1', dataSources, signal, log: pino({ level: 'silent' }) };
}

export const TOOL_LIMITS = { timeoutMs: 30_000, maxResultChars: 100_000 };

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
