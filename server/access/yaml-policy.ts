import { z } from 'zod';
import { ConfigError } from '../config/env.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { normaliseEmail } from '../http/identity.js';
import { matchesEmail, parseEmailPattern, whyNeverMatches, type EmailPattern } from './email-pattern.js';
import type { AccessPolicy, Who } from './policy.js';

/**
 * The default AccessPolicy, read from ACCESS_CONFIG_FILE (config/access.yml). Groups match users by
 * email pattern and grant lists of models, tools and data sources ("*" = all; "prefix*" = every name starting with
 * prefix, e.g. "jira-google__*" for every tool of that MCP server). A user gets the
 * union of every matching group; a user no group matches gets nothing. The file is validated once,
 * failing with every problem listed; after that, answers are pure lookups. Groups apply to a person
 * whatever tenant they work for: inside a tenant they can narrow what it grants, never widen it.
 */

const ALL = '*';

const grantList = z.array(z.string().trim().min(1).max(200).regex(/^\S+$/, 'must not contain spaces')).default([]);

/** Each pattern is parsed inside the schema, so bad patterns are reported along with every other problem. */
const emailPattern = z.string().transform((text, ctx): EmailPattern & { text: string } => {
  const pattern = parseEmailPattern(text);
  if (typeof pattern !== 'string') return { ...pattern, text };
  ctx.addIssue({ code: 'custom', message: pattern });
  return z.NEVER;
});

const groupSchema = z.strictObject({
  match: z.array(emailPattern).min(1, 'needs at least one pattern'),
  models: grantList,
  tools: grantList,
  data_sources: grantList,
});

const GROUP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

// Groups are validated one by one below, so one broken group does not hide the problems of another.
const documentSchema = z.strictObject({ groups: z.record(z.string(), z.unknown()) });

export interface Grant {
  readonly all: boolean;
  readonly names: ReadonlySet<string>;
  /** From entries ending in "*" (e.g. "jira-google__*": every tool of that MCP server). */
  readonly prefixes: readonly string[];
}

interface Group {
  readonly name: string;
  readonly patterns: readonly EmailPattern[];
  readonly models: Grant;
  readonly tools: Grant;
  readonly dataSources: Grant;
}

export interface UserGrants {
  groups: string[];
  models: string[];
  tools: string[];
  dataSources: string[];
}

export class YamlAccessPolicy implements AccessPolicy {
  private constructor(
    private readonly groups: readonly Group[],
    /** Rules that load but can never match anyone: logged at boot as warnings, not fatal. */
    readonly warnings: readonly string[],
  ) {}

  static load(file: string): YamlAccessPolicy {
    return YamlAccessPolicy.fromDocument(loadYamlFile(file), file);
  }

  /** Builds a policy from an already-parsed document (what the YAML file holds). */
  static fromDocument(document: unknown, origin = 'access policy'): YamlAccessPolicy {
    const describe = (issues: z.core.$ZodIssue[], prefix: string[]) =>
      issues.map((i) => `${origin}: ${[...prefix, ...i.path].join('.') || '(top level)'}: ${i.message}`);
    const parsed = documentSchema.safeParse(document);
    if (!parsed.success) throw new ConfigError(describe(parsed.error.issues, []));

    const problems: string[] = [];
    const warnings: string[] = [];
    const groups: Group[] = [];
    for (const [name, raw] of Object.entries(parsed.data.groups)) {
      // Checked here, not in the schema: zod reports a bad record key without saying why.
      if (!GROUP_NAME.test(name)) problems.push(`${origin}: groups.${name}: group names use letters, digits, _ . - (at most 64)`);
      const group = groupSchema.safeParse(raw);
      if (!group.success) {
        problems.push(...describe(group.error.issues, ['groups', name]));
        continue;
      }
      const { match, models, tools, data_sources } = group.data;
      for (const pattern of match) {
        const why = whyNeverMatches(pattern, normaliseEmail);
        if (why) warnings.push(`${origin}: groups.${name}: "${pattern.text}" can never match: ${why}`);
      }
      groups.push({ name, patterns: match, models: grant(models), tools: grant(tools), dataSources: grant(data_sources) });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return new YamlAccessPolicy(groups, warnings);
  }

  canUseModel({ user }: Who, model: string): boolean {
    return this.matching(user).some((g) => allows(g.models, model));
  }

  canUseTool({ user }: Who, tool: string): boolean {
    return this.matching(user).some((g) => allows(g.tools, tool));
  }

  canUseDataSource({ user }: Who, dataSource: string): boolean {
    return this.matching(user).some((g) => allows(g.dataSources, dataSource));
  }

  /** What a user is granted, for diagnostics and docs ("*" stands for all). */
  grantsFor(user: string): UserGrants {
    const groups = this.matching(user);
    const union = (pick: (g: Group) => Grant): string[] =>
      groups.some((g) => pick(g).all) ? [ALL] : [...new Set(groups.flatMap((g) => [...pick(g).names, ...pick(g).prefixes.map((p) => p + ALL)]))].sort();
    return {
      groups: groups.map((g) => g.name),
      models: union((g) => g.models),
      tools: union((g) => g.tools),
      dataSources: union((g) => g.dataSources),
    };
  }

  private matching(user: string): Group[] {
    return this.groups.filter((g) => g.patterns.some((p) => matchesEmail(p, user)));
  }
}

export function grant(names: readonly string[]): Grant {
  const prefixes = names.filter((n) => n !== ALL && n.endsWith(ALL)).map((n) => n.slice(0, -1));
  return { all: names.includes(ALL), names: new Set(names.filter((n) => !n.endsWith(ALL))), prefixes };
}

export function allows(grant: Grant, name: string): boolean {
  return grant.all || grant.names.has(name) || grant.prefixes.some((p) => name.startsWith(p));
}
