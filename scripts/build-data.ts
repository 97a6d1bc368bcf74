/**
 * `npm run data`: rebuilds the sample databases (directory.db, sales.db, support.db) in DATA_DIR.
 * The server builds missing ones at boot by itself; run this after changing a generator, or to
 * reset the files. Output is deterministic: the same seed gives byte-identical files.
 *
 *   npm run data                       rebuild all in DATA_DIR (default data/)
 *   npm run data -- --missing-only     build only the missing ones (what the server does)
 *   npm run data -- --dir /tmp/x --seed 42
 */
import { parseArgs } from 'node:util';
import { parseEnv } from '../server/config/env.js';
import { buildSampleData, ensureSampleData, SAMPLE_DATA_SEED } from '../server/data/sample-data.js';

function main(): void {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      seed: { type: 'string' },
      'missing-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run data -- [--dir DIR] [--seed N] [--missing-only]');
    return;
  }
  const dataDir = values.dir ?? parseEnv(process.env).DATA_DIR;
  const seed = values.seed === undefined ? SAMPLE_DATA_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be a whole number, not "${values.seed}"`);

  const started = performance.now();
  const { built } = values['missing-only'] ? ensureSampleData(dataDir, { seed }) : buildSampleData(dataDir, { seed });
  const took = Math.round(performance.now() - started);
  console.log(built.length > 0 ? `Built ${built.join(', ')} in ${dataDir} (seed ${seed}, ${took} ms).` : `Nothing to build in ${dataDir}.`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
