import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { ConfigError } from '../config/env.js';
import { loadYamlFile } from '../config/yaml-file.js';

/**
 * The named data sources (SQLite files under DATA_DIR) users may select for a chat. Loaded and
 * validated once at boot; each file's schema is read then, so listing sources never touches disk.
 * File paths stay inside this class (pathOf is for the tools that open the files): they are never
 * shown to users or models.
 */

/** Summaries are frozen when loaded (one shared copy), hence readonly all the way down. */
export interface DataSourceColumn {
  readonly name: string;
  /** The declared type, e.g. INTEGER or TEXT; empty for untyped view columns. */
  readonly type: string;
}

export interface DataSourceTable {
  readonly name: string;
  readonly columns: readonly DataSourceColumn[];
}

export interface DataSourceSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tables: readonly DataSourceTable[];
}

const entrySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must start with a lower-case letter and use only a-z, 0-9, - and _ (at most 64)'),
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().min(1).max(2000),
  file: z
    .string()
    .min(1)
    .refine((f) => !isAbsolute(f) && !normalize(f).split(/[\\/]/).includes('..'), 'must be a path inside DATA_DIR (relative, no "..")'),
});

const catalogSchema = z.strictObject({ data_sources: z.array(entrySchema) });

/** One catalog entry as written in config/data-sources.yml. */
export type DataSourceEntry = z.infer<typeof entrySchema>;

export class DataSourceCatalog {
  private readonly summaries: ReadonlyMap<string, DataSourceSummary>;
  private readonly paths: ReadonlyMap<string, string>;

  private constructor(sources: { summary: DataSourceSummary; path: string }[]) {
    this.summaries = new Map(sources.map((s) => [s.summary.id, deepFreeze(s.summary)]));
    this.paths = new Map(sources.map((s) => [s.summary.id, s.path]));
  }

  /** Reads and validates the catalog file, then each database's schema; throws listing every problem. */
  static load(catalogFile: string, dataDir: string): DataSourceCatalog {
    const parsed = catalogSchema.safeParse(loadYamlFile(catalogFile));
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `${catalogFile}: ${i.path.join('.') || '(top level)'}: ${i.message}`));
    }
    return DataSourceCatalog.fromEntries(parsed.data.data_sources, dataDir, catalogFile);
  }

  /** Builds a catalog from already-parsed entries (the file form is the usual way in). */
  static fromEntries(entries: readonly DataSourceEntry[], dataDir: string, origin = 'data sources'): DataSourceCatalog {
    const problems: string[] = [];
    const seen = new Set<string>();
    const sources: { summary: DataSourceSummary; path: string }[] = [];
    for (const [index, entry] of entries.entries()) {
      const where = `${origin}: data_sources.${index} (${entry.id})`;
      if (seen.has(entry.id)) {
        problems.push(`${where}: duplicate id`);
        continue;
      }
      seen.add(entry.id);
      const path = resolve(dataDir, entry.file);
      if (!path.startsWith(resolve(dataDir) + sep)) {
        problems.push(`${where}: file must be inside DATA_DIR`);
        continue;
      }
      try {
        const tables = readSchema(path);
        sources.push({ summary: { id: entry.id, name: entry.name, description: entry.description, tables }, path });
      } catch (err) {
        problems.push(`${where}: cannot open ${join(dataDir, entry.file)}: ${(err as Error).message}`);
      }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return new DataSourceCatalog(sources);
  }

  list(): DataSourceSummary[] {
    return [...this.summaries.values()];
  }

  get(id: string): DataSourceSummary | undefined {
    return this.summaries.get(id);
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  /** The file behind a data source. For tools that open it; NEVER put the result in a message. */
  pathOf(id: string): string {
    const path = this.paths.get(id);
    if (path === undefined) throw new Error(`Unknown data source: ${id}`);
    return path;
  }
}

/** Tables and views with their columns, read through a read-only connection that is closed at once. */
function readSchema(path: string): DataSourceTable[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        `SELECT name FROM sqlite_schema
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name`,
      )
      .pluck()
      .all() as string[];
    const columnsOf = db.prepare('SELECT name, type FROM pragma_table_info(?) ORDER BY cid');
    return tables.map((name) => ({ name, columns: columnsOf.all(name) as DataSourceColumn[] }));
  } finally {
    db.close();
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
