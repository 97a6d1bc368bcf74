/**
 * Who is asking: a person working for one tenant. Every decision is made for the pair (design §13):
 * the same person may use different things in a chat for another client.
 */
export interface Who {
  /** Lower-cased e-mail. */
  readonly user: string;
  readonly tenant: string;
}

/**
 * Who may use which models, tools and data sources. The server asks this on every model choice and
 * every tool call, not only when listing. The default implementation is the chat's tenant grants
 * (server/tenants/tenant-policy.ts) narrowed by ACCESS_CONFIG_FILE (server/access/yaml-policy.ts);
 * a company can replace the latter with its own (an LDAP or OPA lookup) by implementing this
 * interface and passing it to createServer.
 */
export interface AccessPolicy {
  canUseModel(who: Who, model: string): boolean;
  canUseTool(who: Who, tool: string): boolean;
  canUseDataSource(who: Who, dataSource: string): boolean;
}
