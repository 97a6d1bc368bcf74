import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { DataSourceCatalog } from '../data/catalog.js';
import { BasicMathTool } from './basic-math.js';
import { CodeExecutionTool } from './code-execution.js';
import { SqlQueryTool } from './sql-query.js';
import type { Tool } from './tool.js';
import { UserLookupTool } from './user-lookup.js';

/** Every tool the server offers. Adding a tool: one file in server/tools/ and one line here. */
export function createTools(env: Readonly<Env>, catalog: DataSourceCatalog, log: Logger): Tool[] {
  return [
    new BasicMathTool(),
    new CodeExecutionTool(
      {
        timeoutMs: env.CODE_TIMEOUT_MS,
        memoryMb: env.CODE_MEMORY_MB,
        outputMaxBytes: env.CODE_OUTPUT_MAX_BYTES,
        requireNetns: env.CODE_REQUIRE_NETNS,
        warmPool: env.CODE_WARM_POOL,
      },
      log.child({ tool: 'code_execution' }),
    ),
    new UserLookupTool(catalog),
    new SqlQueryTool(catalog, { timeoutMs: env.SQL_TIMEOUT_MS, maxRows: env.SQL_MAX_ROWS, maxBytes: env.SQL_MAX_BYTES, memoryMb: env.SQL_MEMORY_MB }),
  ];
}
