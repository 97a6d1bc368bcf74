/**
 * Who may use which models, tools and data sources. The server asks this on every model choice and
 * every tool call, not only when listing. The default implementation reads ACCESS_CONFIG_FILE
 * (server/access/yaml-policy.ts); a company can replace it with its own (an LDAP or OPA lookup)
 * by implementing this interface and passing it to createServer.
 */
export interface AccessPolicy {
  canUseModel(user: string, model: string): boolean;
  canUseTool(user: string, tool: string): boolean;
  canUseDataSource(user: string, dataSource: string): boolean;
}
