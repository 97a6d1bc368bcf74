import { matchesEmail } from '../access/email-pattern.js';
import { DEFAULT_TENANT } from '../chat/records.js';
import type { TenantDefinition, TenantsFile } from './tenants-file.js';

/**
 * Where memberships come from besides the YAML `members` patterns: the optional SQL table
 * (server/tenants/sql-membership.ts). Answers synchronously from what it last read, so the upgrade
 * that resolves a principal never awaits (checklist 15).
 */
export interface MembershipSource {
  tenantsOf(email: string): readonly string[];
}

/** A person and the tenants they work for, resolved once when they connect. */
export interface Principal {
  readonly email: string;
  /** In the order of the tenants file; empty = may not chat at all. */
  readonly tenants: readonly string[];
}

/**
 * The tenants one Galaxy serves and who belongs to each. Without a tenants file there is one
 * implicit tenant that everyone belongs to and that grants everything (access.yml still applies),
 * which is exactly the behaviour from before tenants.
 */
export class TenantDirectory {
  private readonly byId: ReadonlyMap<string, TenantDefinition>;

  private constructor(
    private readonly file: TenantsFile,
    /** False for the implicit single tenant. */
    readonly configured: boolean,
    private readonly extraMembers?: MembershipSource,
  ) {
    this.byId = new Map(file.tenants.map((t) => [t.id, t]));
  }

  static implicit(name = 'Default'): TenantDirectory {
    const everything: TenantDefinition = {
      id: DEFAULT_TENANT,
      name,
      members: [{ kind: 'everyone', text: '*' }],
      models: ['*'],
      tools: ['*'],
      dataSources: ['*'],
      systemPrompt: '',
      credentials: {},
      mcpServers: ['*'],
    };
    return new TenantDirectory({ admins: [], defaultTenant: DEFAULT_TENANT, tenants: [everything] }, false);
  }

  static fromFile(file: TenantsFile, extraMembers?: MembershipSource): TenantDirectory {
    return new TenantDirectory(file, true, extraMembers);
  }

  list(): readonly TenantDefinition[] {
    return this.file.tenants;
  }

  get(id: string): TenantDefinition | undefined {
    return this.byId.get(id);
  }

  /** The tenants this person works for, in file order; the default tenant when no tenant lists them. */
  tenantsOf(email: string): string[] {
    const fromSql = new Set(this.extraMembers?.tenantsOf(email) ?? []);
    const listed = this.file.tenants.filter((t) => fromSql.has(t.id) || t.members.some((p) => matchesEmail(p, email))).map((t) => t.id);
    if (listed.length > 0) return listed;
    return this.file.defaultTenant ? [this.file.defaultTenant] : [];
  }

  principal(email: string): Principal {
    return { email, tenants: this.tenantsOf(email) };
  }

  /** Asked again on every call: a membership removed while a chat is open stops that chat's next call. */
  isMember(email: string, tenant: string): boolean {
    return this.tenantsOf(email).includes(tenant);
  }

  /**
   * Whether a person may open their own chat of this tenant: only while they work for it. Without a
   * tenants file nothing is kept apart, so every chat of theirs stays theirs.
   */
  mayOpen(email: string, tenant: string): boolean {
    return !this.configured || this.isMember(email, tenant);
  }

  isAdmin(email: string): boolean {
    return this.file.admins.some((p) => matchesEmail(p, email));
  }

  /** Every credential value, for the redactor. */
  secrets(): string[] {
    return this.file.tenants.flatMap((t) => Object.values(t.credentials));
  }
}
