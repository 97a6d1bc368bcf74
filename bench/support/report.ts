import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * Small statistics and printing helpers shared by the bench scripts, so every bench prints its
 * tables and verdicts the same way and `docs/benchmarks.md` can describe one format.
 */

/** Nearest-rank percentile (p in 0..100) of an unsorted list; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) };
}

/** Fixed decimals, or "—" for a missing figure, so tables never print NaN. */
export function fmt(value: number | undefined, decimals = 2): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(decimals);
}

/** A plain-text table with right-aligned figure columns (the first column is left-aligned). */
export function printTable(title: string, headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

/** One verdict line per design §10 target; `pass` undefined means it could not be measured. */
export function verdict(target: string, pass: boolean | undefined, detail: string): void {
  const word = pass === undefined ? 'NOT MEASURED' : pass ? 'MET' : 'MISSED';
  console.log(`verdict: ${word.padEnd(12)} ${target} — ${detail}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `task` over `items` with at most `limit` in flight, so connection storms stay bounded. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Rejects after `ms`, so no bench phase can hang the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Busy and total jiffies of all CPUs, from /proc/stat (Linux only). */
function cpuJiffies(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * How busy the machine is before a bench starts (while the bench itself is idle). Figures taken on
 * a machine shared with other work are noisy, above all their p99s, so every bench says so.
 */
export async function describeMachineLoad(): Promise<string> {
  const before = cpuJiffies();
  await sleep(500);
  const after = cpuJiffies();
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (!before || !after) return `machine: ${cpus().length} CPUs (background load unknown)`;
  const busyPct = ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100;
  const warning = busyPct > 15 ? ' — WARNING: other processes are using the CPUs; tail latencies will be inflated' : '';
  return `machine: ${cpus().length} CPUs, ${busyPct.toFixed(0)}% busy before start (other processes), load average ${loadavg}${warning}`;
}
