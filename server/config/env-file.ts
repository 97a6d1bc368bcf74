import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './env.js';

/** Where `.env` is looked for when ENV_FILE does not say. */
export const DEFAULT_ENV_FILE = '.env';

/**
 * The process environment with the settings of a dotenv file underneath it: a variable already set
 * in the environment wins over the file, so `PORT=9000 npm start` still means port 9000. The default
 * `.env` is optional (a fresh clone has none); a file named by ENV_FILE must exist, since a typo
 * there would otherwise start the server on defaults. Node's `--env-file` cannot do either: it
 * fails on a missing file and gives the file precedence on older Node 20 releases.
 */
export function withEnvFile(environment: Record<string, string | undefined>, defaultFile = DEFAULT_ENV_FILE): Record<string, string | undefined> {
  const named = environment.ENV_FILE;
  const file = named === undefined || named === '' ? defaultFile : named;
  if (!existsSync(file)) {
    if (named === undefined || named === '') return { ...environment };
    throw new ConfigError([`ENV_FILE: ${file} does not exist`]);
  }
  let fromFile: Record<string, string | undefined>;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`ENV_FILE: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [name, value] of Object.entries(environment)) if (value !== undefined) merged[name] = value;
  return merged;
}
