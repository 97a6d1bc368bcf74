import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './env.js';

/** Reads a configuration file, turning a missing or unreadable file into a ConfigError that names it. */
export function readConfigFile(file: string, hint = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})${hint}`]);
  }
}

/** Reads and parses a YAML configuration file; every failure is a ConfigError naming the file. */
export function loadYamlFile(file: string): unknown {
  const text = readConfigFile(file);
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML: ${(err as Error).message}`]);
  }
}
