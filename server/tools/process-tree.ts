import { readFileSync, readdirSync } from 'node:fs';

/**
 * /proc readers for a sandbox's process tree. The process we spawn may be a launcher (`unshare
 * --fork`) whose child is the real interpreter, so memory is summed and signals are sent over the
 * whole tree. Linux only; elsewhere these report nothing and the wasm page cap still holds.
 */

const MAX_DEPTH = 4;

/** Direct children of `pid` (all its threads'). */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    try {
      for (const word of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) {
        const child = Number.parseInt(word, 10);
        if (Number.isInteger(child) && child > 0) found.push(child);
      }
    } catch {
      /* the task ended meanwhile */
    }
  }
  return found;
}

/** `pid` and its descendants, parents first. */
export function processTree(pid: number): number[] {
  const tree: number[] = [];
  let level = [pid];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    tree.push(...level);
    level = level.flatMap(childrenOf);
  }
  return tree;
}

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of `pid` and its descendants, in bytes (0 when unknown). */
export function treeRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + rssBytes(p), 0);
}

/** SIGKILLs the tree, children first so none is re-parented and missed. */
export function killTree(pid: number): void {
  for (const p of processTree(pid).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
