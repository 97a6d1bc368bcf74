import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/env.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SqlMembership } from '../../server/tenants/sql-membership.js';
import { TenantDirectory } from '../../server/tenants/tenant-directory.js';
import { TenantAccessPolicy } from '../../server/tenants/tenant-policy.js';
import { parseTenantsDocument } from '../../server/tenants/tenants-file.js';
import { YamlAccessPolicy } from '../../server/access/yaml-policy.js';
import { parse } from 'yaml';
import { TENANTS_YAML, TENANT_ENV } from './tenants-fixture.js';

const file = () => parseTenantsDocument(parse(TENANTS_YAML), TENANT_ENV);
const openPolicy = YamlAccessPolicy.fromDocument({ groups: { all: { match: ['*'], models: ['*'], tools: ['*'], data_sources: ['*'] } } });

function problems(document: unknown, vars: Record<string, string> = {}): string[] {
  try {
    parseTenantsDocument(document, vars, 'tenants.yml');
  } catch (err) {
    return (err as ConfigError).problems;
  }
  return [];
}

describe('the tenants file', () => {
  it('lists every problem at once, with where it is', () => {
    const found = problems({
      default_tenant: 'ghost',
      tenants: [
        { id: 'Bad Id', members: ['*.example'] },
        { id: 'ok', credentials: { TOKEN: '${UNSET_TOKEN}' }, budget: { monthly_requests: -1 } },
        { id: 'ok' },
        { id: 'extra', unknown: true },
      ],
    });
    expect(found.join('\n')).toMatch(/tenants\.0\.id: tenant ids use lower-case/);
    expect(found.join('\n')).toMatch(/tenants\.0\.members\.0: "\*\.example" is not a pattern/);
    expect(found.join('\n')).toMatch(/tenants\.1\.budget\.monthly_requests/);
    expect(found.join('\n')).toMatch(/tenants\.3: Unrecognized key/);
    expect(found.join('\n')).toMatch(/default_tenant: "ghost" is not one of the tenants/);
    expect(problems({ tenants: [] })).toEqual(['tenants.yml: tenants: needs at least one tenant']);
    expect(problems({ tenants: [{ id: 'a', credentials: { TOKEN: '${UNSET_TOKEN}' } }] })).toEqual(['tenants.yml: tenants.0 (a): credentials need UNSET_TOKEN, which is not set']);
  });

  it('resolves memberships case-insensitively, in file order, with the default tenant as fallback', () => {
    const directory = TenantDirectory.fromFile(file());
    expect(directory.tenantsOf('john@company.example')).toEqual(['google', 'microsoft']);
    expect(directory.tenantsOf('sam@GOOGLE.example')).toEqual(['google']);
    expect(directory.tenantsOf('nobody@elsewhere.example')).toEqual([]);
    const withDefault = TenantDirectory.fromFile(parseTenantsDocument({ default_tenant: 'guests', tenants: [{ id: 'guests' }] }, {}));
    expect(withDefault.tenantsOf('nobody@elsewhere.example')).toEqual(['guests']);
    expect(directory.isAdmin('OPS@company.example')).toBe(true);
    expect(directory.secrets().sort()).toEqual(Object.values(TENANT_ENV).sort());
  });
});

describe('TenantAccessPolicy', () => {
  const directory = TenantDirectory.fromFile(file());
  const policy = new TenantAccessPolicy(directory, openPolicy);

  it('decides for the pair: the same person gets different grants per tenant', () => {
    const google = { user: 'john@company.example', tenant: 'google' };
    const microsoft = { user: 'john@company.example', tenant: 'microsoft' };
    expect(policy.canUseTool(google, 'sql_query')).toBe(true);
    expect(policy.canUseTool(microsoft, 'sql_query')).toBe(false);
    expect(policy.canUseDataSource(microsoft, 'directory')).toBe(true);
    expect(policy.canUseDataSource(google, 'directory')).toBe(false);
  });

  it('refuses a tenant the person does not work for, and what access.yml narrows', () => {
    expect(policy.canUseModel({ user: 'sam@google.example', tenant: 'microsoft' }, 'demo')).toBe(false);
    const narrowed = new TenantAccessPolicy(directory, YamlAccessPolicy.fromDocument({ groups: { all: { match: ['*'], models: ['*'], tools: ['basic_math'], data_sources: ['*'] } } }));
    expect(narrowed.canUseTool({ user: 'sam@google.example', tenant: 'google' }, 'basic_math')).toBe(true);
    expect(narrowed.canUseTool({ user: 'sam@google.example', tenant: 'google' }, 'sql_query')).toBe(false);
  });

  it('gives a tenant the tools of its MCP servers only', () => {
    const withServers = TenantDirectory.fromFile(parseTenantsDocument({ tenants: [{ id: 'a', members: ['*'], tools: ['basic_math'], mcp_servers: ['jira-a'] }] }, {}));
    const p = new TenantAccessPolicy(withServers, openPolicy);
    const who = { user: 'x@y.example', tenant: 'a' };
    expect(p.canUseTool(who, 'jira-a__search')).toBe(true);
    expect(p.canUseTool(who, 'jira-b__search')).toBe(false);
    expect(p.canUseTool(who, 'sql_query')).toBe(false);
  });
});

describe('memberships from a database table', () => {
  it('reads auth_users / auth_user_tenants through the store, refuses writes, and refreshes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galaxy-members-'));
    const path = join(dir, 'galaxy.db');
    const raw = new Database(path);
    raw.exec(`CREATE TABLE auth_users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE auth_user_tenants (user_id INTEGER, tenant_id TEXT);
      INSERT INTO auth_users VALUES (1, 'Ann@Corp.example'); INSERT INTO auth_user_tenants VALUES (1, 'google');`);
    const store = SqliteStore.open(path);
    try {
      const query = 'SELECT u.email AS email, t.tenant_id AS tenant FROM auth_users u JOIN auth_user_tenants t ON t.user_id = u.id';
      const members = await SqlMembership.load(store, query, 60_000, pino({ level: 'silent' }));
      const directory = TenantDirectory.fromFile(file(), members);
      expect(directory.tenantsOf('ann@corp.example')).toEqual(['google']);
      raw.exec(`INSERT INTO auth_user_tenants VALUES (1, 'microsoft')`);
      await members.refresh();
      expect(directory.tenantsOf('ann@corp.example')).toEqual(['google', 'microsoft']);
      members.stop();
      await expect(store.queryMemberships('DELETE FROM auth_users')).rejects.toThrow(/read-only SELECT/);
      await expect(store.queryMemberships('SELECT id FROM auth_users')).rejects.toThrow(/email and tenant/);
    } finally {
      raw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
