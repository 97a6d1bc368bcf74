import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateDirectory, writeDirectoryDb, type Directory } from './sample-directory.js';
import { writeSalesDb } from './sample-sales.js';
import { writeSupportDb } from './sample-support.js';
import { isLeftoverTempFile } from './sqlite-build.js';

/**
 * The sample databases a fresh clone needs: a company directory and two business data sets. They
 * are generated from a fixed seed, so every clone (and every rebuild) gets byte-identical files,
 * and the three stay consistent with each other (sales reps and support agents are directory people)
 * whichever of them is rebuilt.
 */

export const SAMPLE_DATA_SEED = 20240917;

const BUILDERS = {
  'directory.db': (file: string, _seed: number, directory: Directory) => writeDirectoryDb(file, directory),
  'sales.db': writeSalesDb,
  'support.db': writeSupportDb,
} as const satisfies Record<string, (file: string, seed: number, directory: Directory) => void>;

export type SampleDataFile = keyof typeof BUILDERS;
export const SAMPLE_DATA_FILES = Object.keys(BUILDERS) as SampleDataFile[];

export interface SampleDataOptions {
  seed?: number;
}

/** Builds the sample databases that are missing from dataDir; existing files are never touched. */
export function ensureSampleData(dataDir: string, options: SampleDataOptions = {}): { built: string[] } {
  mkdirSync(dataDir, { recursive: true });
  removeAbandonedTempFiles(dataDir);
  const missing = SAMPLE_DATA_FILES.filter((name) => !existsSync(join(dataDir, name)));
  return { built: build(dataDir, missing, options.seed ?? SAMPLE_DATA_SEED) };
}

/** Rebuilds every sample database (each replaced atomically), e.g. after changing a generator. */
export function buildSampleData(dataDir: string, options: SampleDataOptions = {}): { built: string[] } {
  mkdirSync(dataDir, { recursive: true });
  removeAbandonedTempFiles(dataDir);
  return { built: build(dataDir, SAMPLE_DATA_FILES, options.seed ?? SAMPLE_DATA_SEED) };
}

function build(dataDir: string, files: readonly SampleDataFile[], seed: number): string[] {
  if (files.length === 0) return [];
  const directory = generateDirectory(seed);
  for (const name of files) BUILDERS[name](join(dataDir, name), seed, directory);
  return [...files];
}

/** Temp files from a build that crashed; a build still running in another process keeps its file. */
function removeAbandonedTempFiles(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (!isLeftoverTempFile(name)) continue;
    const pid = Number(name.slice(name.lastIndexOf('-') + 1));
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    rmSync(join(dataDir, name), { force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
