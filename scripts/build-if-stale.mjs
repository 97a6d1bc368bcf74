#!/usr/bin/env node
// `npm start` runs this before the server: it compiles only when a source is newer than the last
// successful build. Even an incremental `tsc` with nothing to do takes ~3 s here (it loads the
// compiler and re-reads the program), while comparing file times takes milliseconds.
// Plain JavaScript on purpose: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written after every successful build; its mtime is "when dist/ was last made from the sources". */
const STAMP = 'dist/.build-stamp';
/** Everything tsc reads: the sources it compiles and the files that change how it compiles them. */
const INPUTS = ['server', 'tsconfig.json', 'package.json', 'package-lock.json'];

function newestMtime(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs; // a deleted or renamed file changes its directory's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const changed = Math.max(...INPUTS.map(newestMtime));
// A stamp without the entry point (dist/ half deleted) is not a build.
const entryPresent = statSync('dist/server/main.js', { throwIfNoEntry: false }) !== undefined;
if (built > 0 && changed <= built && entryPresent) process.exit(0);

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
