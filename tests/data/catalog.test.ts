import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/env.js';
import { DataSourceCatalog } from '../../server/data/catalog.js';
import { CATALOG_FILE, makeSampleFixture } from './fixture.js';

const fixture = makeSampleFixture('galaxy-catalog-');
const scratch = mkdtempSync(join(tmpdir(), 'galaxy-catalog-files-'));
afterAll(() => {
  fixture.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function catalogFile(name: string, yaml: string): string {
  const file = join(scratch, name);
  writeFileSync(file, yaml);
  return file;
}

function loadError(file: string): ConfigError {
  try {
    DataSourceCatalog.load(file, fixture.dataDir);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the catalog to be rejected');
}

describe('DataSourceCatalog', () => {
  it('loads the shipped catalog with each database schema', () => {
    const { catalog } = fixture;
    expect(catalog.list().map((d) => d.id)).toEqual(['directory', 'sales', 'support']);
    const sales = catalog.get('sales')!;
    expect(sales.name).toBe('Sales');
    expect(sales.tables.map((t) => t.name)).toEqual(['customers', 'order_items', 'order_totals', 'orders', 'products']);
    expect(sales.tables.find((t) => t.name === 'products')!.columns).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 'sku', type: 'TEXT' },
      { name: 'name', type: 'TEXT' },
      { name: 'category', type: 'TEXT' },
      { name: 'unit_price', type: 'REAL' },
      { name: 'launched_on', type: 'TEXT' },
    ]);
    expect(catalog.get('directory')!.tables.map((t) => t.name)).toEqual(['departments', 'people']);
    expect(catalog.get('support')!.tables.map((t) => t.name)).toEqual(['sla_policies', 'tickets']);
  });

  it('answers has/get for known and unknown ids, and resolves files inside DATA_DIR', () => {
    const { catalog, dataDir } = fixture;
    expect(catalog.has('support')).toBe(true);
    expect(catalog.has('nope')).toBe(false);
    expect(catalog.get('nope')).toBeUndefined();
    expect(catalog.pathOf('support')).toBe(join(dataDir, 'support.db'));
    expect(() => catalog.pathOf('nope')).toThrow('Unknown data source');
  });

  it('never exposes file paths in summaries', () => {
    const text = JSON.stringify(fixture.catalog.list());
    expect(text).not.toContain(fixture.dataDir);
    expect(text).not.toContain('.db');
  });

  it('hands out frozen summaries, so one caller cannot change what others see', () => {
    const summary = fixture.catalog.get('sales')!;
    expect(Object.isFrozen(summary)).toBe(true);
    expect(Object.isFrozen(summary.tables)).toBe(true);
    expect(Object.isFrozen(summary.tables[0]!.columns[0])).toBe(true);
  });

  it('lists every problem at once', () => {
    const file = catalogFile(
      'bad.yml',
      `data_sources:
  - id: Sales Data
    name: ""
    description: x
    file: ../etc/passwd
  - id: ok
    name: Ok
    description: fine
    file: /abs/path.db
    extra: true
`,
    );
    const err = loadError(file);
    expect(err.problems).toHaveLength(5);
    expect(err.problems.join('\n')).toMatch(/data_sources\.0\.id: must start with a lower-case letter/);
    expect(err.problems.join('\n')).toMatch(/data_sources\.0\.name: /);
    expect(err.problems.join('\n')).toMatch(/data_sources\.0\.file: must be a path inside DATA_DIR/);
    expect(err.problems.join('\n')).toMatch(/data_sources\.1\.file: must be a path inside DATA_DIR/);
    expect(err.problems.join('\n')).toMatch(/data_sources\.1: Unrecognized key: "extra"/);
  });

  it('rejects duplicate ids and missing files, naming each', () => {
    const file = catalogFile(
      'dupes.yml',
      `data_sources:
  - { id: sales, name: A, description: a, file: sales.db }
  - { id: sales, name: B, description: b, file: support.db }
  - { id: ghost, name: Ghost, description: missing file, file: ghost.db }
`,
    );
    const err = loadError(file);
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatch(/data_sources\.1 \(sales\): duplicate id/);
    expect(err.problems[1]).toMatch(/data_sources\.2 \(ghost\): cannot open .*ghost\.db/);
  });

  it('explains unreadable files and invalid YAML', () => {
    expect(loadError(join(scratch, 'absent.yml')).problems[0]).toMatch(/absent\.yml: cannot be read \(ENOENT\)/);
    expect(loadError(catalogFile('broken.yml', 'data_sources: [\n')).problems[0]).toMatch(/not valid YAML/);
    expect(loadError(catalogFile('empty.yml', '')).problems[0]).toMatch(/\(top level\)/);
  });

  it('the shipped catalog file path is the one the server uses', () => {
    expect(CATALOG_FILE.endsWith(join('config', 'data-sources.yml'))).toBe(true);
  });
});
