import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/env.js';
import { mcpSecrets, parseMcpConfig } from '../../server/tools/mcp/mcp-config.js';

/** Access is decided for a (person, tenant) pair; these rules do not depend on the tenant. */
const who = (user: string) => ({ user, tenant: 'default' });

const options = { vars: { JIRA_TOKEN: 'jira-secret-token-0123456789', HOST: 'jira.internal' }, allowedCommands: ['node', 'npx'], defaultTimeoutMs: 30_000 };

function problemsOf(document: unknown): string[] {
  try {
    parseMcpConfig(document, options, 'mcp.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config/mcp.yml', () => {
  it('fills ${VAR}s, applies defaults and collects secrets for the Redactor', () => {
    const config = parseMcpConfig(
      {
        servers: [
          { id: 'jira-google', transport: 'streamable-http', url: 'https://${HOST}/mcp', headers: { Authorization: 'Bearer ${JIRA_TOKEN}' } },
          { id: 'files', transport: 'stdio', command: 'npx', args: ['-y', 'pkg', '${MISSING:-/srv}'], env: { KEY: 'child-only-key-abcdef' }, timeout_ms: 5000, tools: ['read_file'] },
        ],
        gateway: { clients: [{ name: 'claude-code', token: 'gateway-token-abcdef123456' }] },
      },
      options,
    );
    expect(config.servers[0]).toEqual({
      id: 'jira-google',
      transport: 'streamable-http',
      url: 'https://jira.internal/mcp',
      headers: { Authorization: 'Bearer jira-secret-token-0123456789' },
      timeoutMs: 30_000,
      allowedTools: ['*'],
    });
    expect(config.servers[1]).toMatchObject({ command: 'npx', args: ['-y', 'pkg', '/srv'], env: { KEY: 'child-only-key-abcdef' }, timeoutMs: 5000, allowedTools: ['read_file'] });
    const secrets = mcpSecrets(config);
    expect(secrets).toEqual(expect.arrayContaining(['Bearer jira-secret-token-0123456789', 'jira-secret-token-0123456789', 'child-only-key-abcdef', 'gateway-token-abcdef123456']));
  });

  it('disables a server whose variables are unset instead of failing the boot', () => {
    const config = parseMcpConfig({ servers: [{ id: 'x', transport: 'sse', url: 'https://h/sse', headers: { Authorization: 'Bearer ${NOPE}' } }] }, options);
    expect(config.servers[0]!.disabledReason).toBe('NOPE not set');
  });

  it('lists every problem: bad ids, duplicates, commands not allowed, bad URLs, unknown keys', () => {
    expect(
      problemsOf({
        servers: [
          { id: 'ok', transport: 'stdio', command: 'bash', args: ['-c', 'x'] },
          { id: 'ok', transport: 'sse', url: 'ftp://host/sse' },
        ],
      }),
    ).toEqual([
      'mcp.yml: servers[0] (ok): command "bash" is not allowed (MCP_STDIO_COMMANDS allows: node, npx)',
      'mcp.yml: servers[1] (ok): id is used more than once',
      'mcp.yml: servers[1] (ok): url "ftp://host/sse" is not an http(s) URL',
    ]);
    expect(problemsOf({ servers: [{ id: 'Bad__Id', transport: 'sse', url: 'https://h' }] })[0]).toContain('servers.0.id');
    expect(problemsOf({ servers: [{ id: 'a', transport: 'websocket', url: 'https://h' }] })[0]).toContain('servers.0');
    expect(problemsOf({ servers: [{ id: 'a', transport: 'sse', url: 'https://h', shell: true }] })[0]).toContain('shell');
  });
});

describe('access grants by prefix', () => {
  it('"server__*" grants every tool of that MCP server and nothing else', async () => {
    const { YamlAccessPolicy } = await import('../../server/access/yaml-policy.js');
    const policy = YamlAccessPolicy.fromDocument({ groups: { support: { match: ['*@example.com'], tools: ['basic_math', 'jira-google__*'] } } });
    expect(policy.canUseTool(who('a@example.com'), 'jira-google__search')).toBe(true);
    expect(policy.canUseTool(who('a@example.com'), 'basic_math')).toBe(true);
    expect(policy.canUseTool(who('a@example.com'), 'jira-other__search')).toBe(false);
    expect(policy.canUseTool(who('a@example.com'), 'sql_query')).toBe(false);
    expect(policy.grantsFor('a@example.com').tools).toEqual(['basic_math', 'jira-google__*']);
  });
});

describe('servers with tenant credentials', () => {
  it('run once per tenant that lists them, each with its own secrets, and are reachable only from that tenant', async () => {
    const { TenantDirectory } = await import('../../server/tenants/tenant-directory.js');
    const { parseTenantsDocument } = await import('../../server/tenants/tenants-file.js');
    const { serverInstances } = await import('../../server/tools/mcp/index.js');
    const { ToolRegistry } = await import('../../server/tools/registry.js');
    const tenants = TenantDirectory.fromFile(
      parseTenantsDocument(
        {
          tenants: [
            { id: 'a', mcp_servers: ['jira'], credentials: { TOKEN: 'token-of-a-0123' } },
            { id: 'b', mcp_servers: ['jira'] },
            { id: 'c', mcp_servers: [] },
          ],
        },
        {},
      ),
    );
    const config = parseMcpConfig({ servers: [{ id: 'jira', transport: 'streamable-http', url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer ${tenant.TOKEN}' } }, { id: 'shared', transport: 'stdio', command: 'node' }] }, options);
    const instances = serverInstances(config.servers, tenants);
    expect(instances.map((s) => [s.id, s.tenant ?? null])).toEqual([['jira', 'a'], ['jira', 'b'], ['shared', null]]);
    expect(instances[0]).toMatchObject({ headers: { Authorization: 'Bearer token-of-a-0123' } });
    expect(instances[0]!.disabledReason).toBeUndefined();
    expect(instances[1]!.disabledReason).toBe('tenant b has no credential TOKEN');

    const tool = (name: string) => ({ name, description: name, parameters: { type: 'object' }, invoke: async () => ({ content: name }) });
    const source = (id: string, tenant: string | undefined, names: string[]) => ({
      id, tenant, tools: () => names.map(tool), available: () => true, state: () => ({ status: 'connected' as const, tools: names.length }),
      start: async () => {}, disposeSession: async () => {}, stop: async () => {}, readiness: () => ({}),
    });
    const allow = { canUseModel: () => true, canUseTool: () => true, canUseDataSource: () => true };
    const registry = new ToolRegistry([source('jira@a', 'a', ['jira__search']), source('jira@b', 'b', ['jira__search'])] as never, allow, { timeoutMs: 100, maxResultChars: 100 });
    expect(registry.find('jira__search', 'a')?.source.id).toBe('jira@a');
    expect(registry.find('jira__search', 'b')?.source.id).toBe('jira@b');
    expect(registry.find('jira__search', 'c')).toBeUndefined();
    expect(registry.listFor({ user: 'x@y.z', tenant: 'c' })).toEqual([]);
  });
});
