import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * scripts/build-if-stale.mjs (run by `npm start`) in a scratch project whose "compiler" only counts
 * its runs, so the test sees exactly when a build happens.
 */

const SCRIPT = resolve('scripts/build-if-stale.mjs');
const dir = mkdtempSync(join(tmpdir(), 'galaxy-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const [file, text] of Object.entries({
  'server/main.ts': 'export {};\n',
  'tsconfig.json': '{}\n',
  'package.json': '{}\n',
  'package-lock.json': '{}\n',
  'node_modules/typescript/bin/tsc':
    "const fs = require('fs'); fs.mkdirSync('dist/server', { recursive: true }); fs.writeFileSync('dist/server/main.js', ''); fs.appendFileSync('runs', 'x');\n",
})) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}
writeFileSync(join(dir, 'node_modules/typescript/package.json'), '{"type":"commonjs"}\n');

const runs = () => {
  execFileSync(process.execPath, [SCRIPT], { cwd: dir, stdio: 'pipe' });
  return readFileSync(join(dir, 'runs'), 'utf8').length;
};
/** Makes `file` the only input written after the last build (times in the past: no clock skew). */
const changeOnly = (file: string) => {
  const now = Date.now() / 1000;
  for (const input of ['server', 'server/main.ts', 'tsconfig.json', 'package.json', 'package-lock.json']) utimesSync(join(dir, input), now - 100, now - 100);
  utimesSync(join(dir, 'dist/.build-stamp'), now - 50, now - 50);
  utimesSync(join(dir, file), now - 10, now - 10);
};

describe('npm start builds only when needed', () => {
  it('builds the first time, then not while nothing changed', () => {
    expect(runs()).toBe(1);
    expect(runs()).toBe(1);
  });

  it('builds again after a source, tsconfig or the lockfile changes', () => {
    changeOnly('server/main.ts');
    expect(runs()).toBe(2);
    expect(runs()).toBe(2);
    changeOnly('tsconfig.json');
    expect(runs()).toBe(3);
    changeOnly('package-lock.json');
    expect(runs()).toBe(4);
    // A deleted source changes only its directory.
    changeOnly('server');
    expect(runs()).toBe(5);
  });

  it('builds again when the output is gone', () => {
    rmSync(join(dir, 'dist/server/main.js'));
    expect(runs()).toBe(6);
  });
});
