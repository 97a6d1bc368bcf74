import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SandboxIsolation } from './isolation.js';
import type { LaunchSpec } from './sandbox-process.js';
import { CHART_MAX_CHARS, maxFrameBytes, type ChildSettings } from './protocol.js';

export interface SandboxLimits {
  /** Cap on Python's (wasm) memory. */
  memoryMb: number;
  /** Cap on each of stdout and stderr, and on the result and error texts. */
  outputMaxBytes: number;
}

/** The child's JS heap: it only holds Pyodide's runtime and capped output, never Python data. */
const JS_HEAP_MB = 128;
/** Node + Pyodide code and runtime outside the wasm heap and the JS heap (measured ~170 MB idle). */
const RUNTIME_OVERHEAD_MB = 256;
const START_TIMEOUT_MS = 30_000;
const WASM_PAGE_BYTES = 64 * 1024;

/** Resolved from this file so it works from server/ (tsx, vitest) and from dist/server/ (tsc output). */
const CHILD_SCRIPT = fileURLToPath(new URL('./sandbox-child.mjs', import.meta.url));
const PYODIDE_ENTRY = createRequire(import.meta.url).resolve('pyodide/pyodide.mjs');

export function rssCapMb(memoryMb: number): number {
  return memoryMb + JS_HEAP_MB + RUNTIME_OVERHEAD_MB;
}

/**
 * The full command line of a sandbox child. Each flag is a fence:
 * - the permission model: reads only Pyodide's files and the child's own directory; no writes,
 *   no child processes, no worker threads, no WASI, no native addons;
 * - no `eval`/`Function` from strings, so a JS object that leaks into Python cannot be turned into
 *   `process` through `constructor.constructor('return process')`;
 * - no `fetch`/`WebSocket` globals;
 * - `--wasm-max-mem-pages`: Python's whole heap is one wasm memory, so an oversized allocation is
 *   a MemoryError inside Python instead of host memory (`prlimit --as` cannot be used: V8
 *   reserves huge virtual ranges for wasm and fails to start under it).
 */
export function buildLaunchSpec(isolation: SandboxIsolation, limits: SandboxLimits): LaunchSpec {
  const settings: ChildSettings = {
    pyodideUrl: pathToFileURL(PYODIDE_ENTRY).href,
    outputMaxBytes: limits.outputMaxBytes,
    resultMaxChars: limits.outputMaxBytes,
    chartMaxChars: CHART_MAX_CHARS,
  };
  const nodeArgs = [
    '--experimental-permission',
    `--allow-fs-read=${dirname(PYODIDE_ENTRY)}/`,
    `--allow-fs-read=${dirname(CHILD_SCRIPT)}/`,
    '--no-addons',
    '--disallow-code-generation-from-strings',
    '--no-experimental-fetch',
    '--no-warnings',
    `--wasm-max-mem-pages=${Math.floor((limits.memoryMb * 2 ** 20) / WASM_PAGE_BYTES)}`,
    `--max-old-space-size=${JS_HEAP_MB}`,
    CHILD_SCRIPT,
    JSON.stringify(settings),
  ];
  return {
    argv: [...isolation.launcherPrefix, process.execPath, ...nodeArgs],
    maxFrameBytes: maxFrameBytes(limits.outputMaxBytes),
    rssCapBytes: rssCapMb(limits.memoryMb) * 2 ** 20,
    startTimeoutMs: START_TIMEOUT_MS,
  };
}
