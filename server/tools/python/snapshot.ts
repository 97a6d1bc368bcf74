import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotFrame } from './protocol.js';
import { killTree } from '../process-tree.js';

/**
 * A memory image of a freshly loaded Pyodide, so each new interpreter restores in ~0.5 s of CPU
 * instead of the ~3 s a full `loadPyodide` costs (which on a 2-core host also slows everything else).
 *
 * It is made once at start-up by a sandbox child with the same fences as any other, before any user
 * code exists, so it holds nothing but a pristine interpreter. The sandbox setup (bridge removal,
 * a reseed of `random` from the new process's own entropy) runs after every restore.
 * Pyodide marks `_makeSnapshot`/`_loadSnapshot` as internal API: the version is pinned, and if
 * making the snapshot fails the caller falls back to full loads.
 */
export interface InterpreterSnapshot {
  readonly path: string;
  /** Deletes the file. Call after every child that might read it has been started and killed. */
  dispose(): void;
}

const HEADER_MAX_BYTES = 1024;

export function makeInterpreterSnapshot(argv: string[], maxBytes: number, timeoutMs: number): Promise<InterpreterSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-python-snapshot-'));
  const path = join(dir, 'interpreter.snapshot');
  const dispose = () => rmSync(dir, { recursive: true, force: true });

  return new Promise<InterpreterSnapshot>((resolve, reject) => {
    const [command, ...args] = argv as [string, ...string[]];
    const child = spawn(command, args, { env: {}, cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    const file = createWriteStream(path, { mode: 0o600 });
    let header = Buffer.alloc(0);
    let expected: number | undefined;
    let received = 0;
    let settled = false;

    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killTree(child.pid);
      file.destroy();
      dispose();
      reject(new Error(`could not make the interpreter snapshot: ${why}`));
    };
    const timer = setTimeout(() => fail(`no snapshot within ${timeoutMs} ms`), timeoutMs);

    const onBody = (chunk: Buffer) => {
      received += chunk.length;
      if (expected === undefined || received > expected) return fail('more bytes than announced');
      file.write(chunk);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (expected !== undefined) return onBody(chunk);
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline === -1) return header.length > HEADER_MAX_BYTES ? fail('header too long') : undefined;
      const parsed = snapshotFrame.safeParse(safeJson(header.subarray(0, newline).toString('utf8')));
      if (!parsed.success) return fail(`unexpected header ${header.subarray(0, Math.min(newline, 200)).toString('utf8')}`);
      if (parsed.data.bytes > maxBytes) return fail(`snapshot of ${parsed.data.bytes} bytes exceeds ${maxBytes}`);
      expected = parsed.data.bytes;
      const rest = header.subarray(newline + 1);
      if (rest.length > 0) onBody(rest);
    });
    child.once('error', (err) => fail(err.message));
    child.once('close', (code, signal) => {
      if (settled) return;
      if (code !== 0 || expected === undefined || received !== expected) {
        return fail(`child ended (code ${code ?? '-'}, signal ${signal ?? '-'}) after ${received} of ${expected ?? '?'} bytes`);
      }
      file.end(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ path, dispose });
      });
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
