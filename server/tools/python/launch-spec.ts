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
/** Node + Pyodide code and runtime outside the wasm heap and the JS heap (measured ~170–210 MB idle). */
const RUNTIME_OVERHEAD_MB = 256;
const START_TIMEOUT_MS = 60_000;
const WASM_PAGE_BYTES = 64 * 1024;

/** Resolved from this file so it works from server/ (tsx, vitest) and from dist/server/ (tsc output). */
const CHILD_SCRIPT = fileURLToPath(new URL('./sandbox-child.mjs', import.meta.url));
const PYODIDE_ENTRY = createRequire(import.meta.url).resolve('pyodide/pyodide.mjs');

export function rssCapMb(memoryMb: number): number {
  return memoryMb + JS_HEAP_MB + RUNTIME_OVERHEAD_MB;
}

/**
 * The full command line of a sandbox child. Each flag is a fence:
 * - the permission model: reads only Pyodide's files, the child's own directory and the snapshot;
 *   no writes, no child processes, no worker threads, no WASI, no native addons;
 * - no `eval`/`Function` from strings, so a JS object that leaks into Python cannot be turned into
 *   `process` through `constructor.constructor('return process')`;
 * - no `fetch`/`WebSocket` globals;
 * - `--wasm-max-mem-pages`: Python's whole heap is one wasm memory, so an oversized allocation is
 *   a MemoryError inside Python instead of host memory (`prlimit --as` cannot be used: V8
 *   reserves huge virtual ranges for wasm and fails to start under it).
 */
function childArgv(isolation: SandboxIsolation, limits: SandboxLimits, settings: ChildSettings): string[] {
  const readable = [`${dirname(PYODIDE_ENTRY)}/`, `${dirname(CHILD_SCRIPT)}/`];
  if (settings.snapshotPath) readable.push(settings.snapshotPath);
  const nodeArgs = [
    '--experimental-permission',
    ...readable.map((path) => `--allow-fs-read=${path}`),
    '--no-addons',
    '--disallow-code-generation-from-strings',
    '--no-experimental-fetch',
    '--no-warnings',
    `--wasm-max-mem-pages=${Math.floor((limits.memoryMb * 2 ** 20) / WASM_PAGE_BYTES)}`,
    `--max-old-space-size=${JS_HEAP_MB}`,
    CHILD_SCRIPT,
    JSON.stringify(settings),
  ];
  return [...isolation.launcherPrefix, process.execPath, ...nodeArgs];
}

function settingsFor(mode: ChildSettings['mode'], limits: SandboxLimits, snapshotPath?: string): ChildSettings {
  return {
    mode,
    pyodideUrl: pathToFileURL(PYODIDE_ENTRY).href,
    ...(snapshotPath ? { snapshotPath } : {}),
    outputMaxBytes: limits.outputMaxBytes,
    resultMaxChars: limits.outputMaxBytes,
    chartMaxChars: CHART_MAX_CHARS,
  };
}

/** A child that serves requests; with `snapshotPath` it restores that memory instead of loading. */
export function buildLaunchSpec(isolation: SandboxIsolation, limits: SandboxLimits, snapshotPath?: string): LaunchSpec {
  return {
    argv: childArgv(isolation, limits, settingsFor('serve', limits, snapshotPath)),
    maxFrameBytes: maxFrameBytes(limits.outputMaxBytes),
    rssCapBytes: rssCapMb(limits.memoryMb) * 2 ** 20,
    startTimeoutMs: START_TIMEOUT_MS,
  };
}

/** A child that loads Pyodide, writes its memory snapshot to stdout and exits. */
export function buildSnapshotArgv(isolation: SandboxIsolation, limits: SandboxLimits): string[] {
  return childArgv(isolation, limits, settingsFor('snapshot', limits));
}
