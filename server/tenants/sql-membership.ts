import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { MembershipSource } from './tenant-directory.js';

/**
 * The user↔tenant map from a database table (TENANT_MEMBERS_QUERY through the store's own
 * connection), for deployments that keep memberships as rows. Read at boot (a failing query stops
 * the boot) and again every TENANT_MEMBERS_REFRESH_S; answers come from the last good read, so the
 * upgrade that resolves a person's tenants stays synchronous. A failed refresh keeps the last map.
 */
export class SqlMembership implements MembershipSource {
  private byEmail = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: Pick<Store, 'queryMemberships'>,
    private readonly query: string,
    private readonly log: Logger,
  ) {}

  static async load(store: Pick<Store, 'queryMemberships'>, query: string, refreshMs: number, log: Logger): Promise<SqlMembership> {
    const source = new SqlMembership(store, query, log);
    await source.refresh();
    source.timer = setInterval(() => {
      source.refresh().catch((err: unknown) => log.error({ err }, 'tenant membership refresh failed; keeping the last one'));
    }, refreshMs);
    source.timer.unref();
    return source;
  }

  tenantsOf(email: string): readonly string[] {
    return this.byEmail.get(email.toLowerCase()) ?? [];
  }

  async refresh(): Promise<void> {
    const rows = await this.store.queryMemberships(this.query);
    const next = new Map<string, string[]>();
    for (const { email, tenant } of rows) next.set(email, [...(next.get(email) ?? []), tenant]);
    this.byEmail = next;
    this.log.debug({ people: next.size }, 'tenant memberships read');
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
