import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesEmail, parseEmailPattern } from '../../server/access/email-pattern.js';
import { YamlAccessPolicy } from '../../server/access/yaml-policy.js';
import { ConfigError } from '../../server/config/env.js';

/** Access is decided for a (person, tenant) pair; these rules do not depend on the tenant. */
const who = (user: string) => ({ user, tenant: 'default' });

const scratch = mkdtempSync(join(tmpdir(), 'galaxy-policy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function policyFile(yaml: string): string {
  const file = join(scratch, `policy-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, yaml);
  return file;
}

function problemsOf(file: string): string[] {
  try {
    YamlAccessPolicy.load(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

const policy = YamlAccessPolicy.load(
  policyFile(`
groups:
  everyone:
    match: ["*"]
    models: [demo]
    tools: [basic_math]
  staff:
    match: ["*@Example.COM"]
    models: ["*"]
    tools: [sql_query]
    data_sources: [sales]
  alice:
    match: ["alice@example.com", "alice@partner.example.net"]
    data_sources: ["*"]
  nobody:
    match: ["ghost@example.org"]
`),
);

describe('YamlAccessPolicy', () => {
  it('grants everyone what the "*" group grants, and nothing more', () => {
    const user = 'visitor@elsewhere.test';
    expect(policy.canUseModel(who(user), 'demo')).toBe(true);
    expect(policy.canUseModel(who(user), 'gpt-4o')).toBe(false);
    expect(policy.canUseTool(who(user), 'basic_math')).toBe(true);
    expect(policy.canUseTool(who(user), 'sql_query')).toBe(false);
    expect(policy.canUseDataSource(who(user), 'sales')).toBe(false);
  });

  it('gives a user the union of every group they match', () => {
    expect(policy.grantsFor('alice@example.com')).toEqual({
      groups: ['everyone', 'staff', 'alice'],
      models: ['*'],
      tools: ['basic_math', 'sql_query'],
      dataSources: ['*'],
    });
    expect(policy.canUseDataSource(who('alice@example.com'), 'support')).toBe(true);
    expect(policy.canUseDataSource(who('bob@example.com'), 'support')).toBe(false);
    expect(policy.canUseDataSource(who('bob@example.com'), 'sales')).toBe(true);
  });

  it('matches domains and local parts case-insensitively', () => {
    expect(policy.canUseTool(who('bob@EXAMPLE.com'), 'sql_query')).toBe(true);
    expect(policy.canUseDataSource(who('alice@PARTNER.example.net'), 'support')).toBe(true);
    expect(policy.canUseDataSource(who('Alice@example.com'), 'support')).toBe(true);
    const capitals = YamlAccessPolicy.load(policyFile('groups:\n  partner:\n    match: ["Dana@Partner.example"]\n    tools: [sql_query]\n'));
    expect(capitals.canUseTool(who('dana@partner.example'), 'sql_query')).toBe(true);
    expect(capitals.canUseTool(who('DANA@partner.example'), 'sql_query')).toBe(true);
    expect(capitals.canUseTool(who('dan@partner.example'), 'sql_query')).toBe(false);
    expect(capitals.warnings).toEqual([]);
  });

  it('lists rules that can never match an accepted identity as warnings', () => {
    const odd = YamlAccessPolicy.load(policyFile('groups:\n  local:\n    match: ["*@localhost", "root@intranet", "ok@example.com"]\n    tools: ["*"]\n'));
    expect(odd.warnings).toHaveLength(2);
    expect(odd.warnings[0]).toContain('groups.local: "*@localhost" can never match');
    expect(odd.warnings[1]).toContain('"root@intranet" can never match');
  });

  it('does not treat domain patterns as suffixes or regular expressions', () => {
    for (const user of ['bob@sub.example.com', 'bob@notexample.com', 'bob@exampleXcom', 'bob@example.com.evil.test', 'example.com']) {
      expect(policy.canUseTool(who(user), 'sql_query'), user).toBe(false);
    }
  });

  it('gives nothing to a user no group matches', () => {
    const strict = YamlAccessPolicy.load(policyFile('groups:\n  staff:\n    match: ["*@example.com"]\n    tools: ["*"]\n'));
    expect(strict.canUseTool(who('eve@evil.test'), 'basic_math')).toBe(false);
    expect(strict.canUseModel(who('eve@evil.test'), 'demo')).toBe(false);
    expect(strict.grantsFor('eve@evil.test')).toEqual({ groups: [], models: [], tools: [], dataSources: [] });
    expect(strict.canUseTool(who('eve@example.com'), 'anything')).toBe(true);
  });

  it('lists every problem in the file at once', () => {
    const problems = problemsOf(
      policyFile(`
groups:
  bad group:
    match: ["*"]
  regexy:
    match: [".*@example.com", "ok@example.com"]
    tools: "sql_query"
  typo:
    match: []
    data_source: [sales]
`),
    );
    expect(problems).toEqual([
      expect.stringMatching(/groups\.bad group: group names use letters, digits/),
      expect.stringMatching(/groups\.regexy\.match\.0: "\.\*@example\.com" is not a pattern/),
      expect.stringMatching(/groups\.regexy\.tools: Invalid input: expected array, received string/),
      expect.stringMatching(/groups\.typo\.match: needs at least one pattern/),
      expect.stringMatching(/groups\.typo: Unrecognized key: "data_source"/),
    ]);
  });

  it('rejects patterns that are not one of the three forms, naming each', () => {
    const problems = problemsOf(
      policyFile(`
groups:
  regexy:
    match: [".*@example.com", "*.example.com", "a*@example.com", "(admin|root)@corp", "ok@example.com", "x@exa_mple.com", "a@b@c"]
`),
    );
    expect(problems).toEqual([
      `${problems[0]!.split(': ')[0]}: groups.regexy.match.0: ".*@example.com" is not a pattern: use "*", "*@domain" or "name@domain"`,
      expect.stringMatching(/match\.1: "\*\.example\.com" is not a pattern/),
      expect.stringMatching(/match\.2: "a\*@example\.com" is not a pattern/),
      expect.stringMatching(/match\.3: "\(admin\|root\)@corp" is not a pattern/),
      expect.stringMatching(/match\.5: "x@exa_mple\.com" has an invalid domain/),
      expect.stringMatching(/match\.6: "a@b@c" is not a pattern/),
    ]);
  });

  it('explains a missing file, invalid YAML and a wrong top level', () => {
    expect(problemsOf(join(scratch, 'absent.yml'))).toEqual([expect.stringMatching(/absent\.yml: cannot be read \(ENOENT\)/)]);
    expect(problemsOf(policyFile('groups: [\n'))).toEqual([expect.stringMatching(/not valid YAML/)]);
    expect(problemsOf(policyFile('- everyone\n'))).toEqual([expect.stringMatching(/\(top level\)/)]);
  });

  it('loads the shipped config/access.yml with the documented groups', () => {
    const shipped = YamlAccessPolicy.load(fileURLToPath(new URL('../../config/access.yml', import.meta.url)));
    expect(shipped.grantsFor('someone@elsewhere.test')).toEqual({
      groups: ['everyone'],
      models: ['*'],
      tools: ['basic_math', 'code_execution', 'sql_query', 'user_lookup'],
      dataSources: ['directory', 'sales'],
    });
    expect(shipped.grantsFor('someone@example.com').dataSources).toEqual(['directory', 'sales', 'support']);
  });
});

describe('email patterns', () => {
  it('parse into the three forms, lower-casing the domain only', () => {
    expect(parseEmailPattern('*')).toEqual({ kind: 'everyone' });
    expect(parseEmailPattern('*@Example.com')).toEqual({ kind: 'domain', domain: 'example.com' });
    expect(parseEmailPattern('Alice.B+chat@Example.com')).toEqual({ kind: 'address', local: 'alice.b+chat', domain: 'example.com' });
  });

  it('never match a malformed identity except under "*"', () => {
    const domain = parseEmailPattern('*@example.com');
    if (typeof domain === 'string') throw new Error(domain);
    for (const user of ['', '@example.com', 'example.com', 'a@']) expect(matchesEmail(domain, user), user).toBe(false);
    expect(matchesEmail({ kind: 'everyone' }, 'anything')).toBe(true);
  });
});
