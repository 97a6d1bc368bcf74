/**
 * Who a policy group applies to. Three forms only, compared as plain strings (never turned into a
 * regular expression, so a pattern cannot smuggle in `.*` or other syntax):
 *   "*"                  everyone
 *   "*@example.com"      everyone whose domain is example.com (not subdomains)
 *   "alice@example.com"  exactly that address
 * Both halves compare case-insensitively. Identities are lower-cased when they arrive (see
 * normaliseEmail), so a pattern written `Dana@partner.example` must be lower-cased too or it could
 * never match anyone (checklist 44).
 */

export type EmailPattern =
  | { kind: 'everyone' }
  | { kind: 'domain'; domain: string }
  | { kind: 'address'; local: string; domain: string };

const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
/**
 * RFC 5322 atom characters and dots. No '*', and none of ( ) | [ ] \ that would only appear in a
 * pattern written as a regular expression: such an entry is refused rather than taken literally.
 */
const LOCAL_PART = /^[A-Za-z0-9.!#$%&'+\-/=?^_`{}~]{1,64}$/;

/** Parses one pattern; returns an explanation instead when it is not one of the three forms. */
export function parseEmailPattern(text: string): EmailPattern | string {
  if (text === '*') return { kind: 'everyone' };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at !== text.indexOf('@')) return explain(text);
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (!DOMAIN.test(domain) || domain.length > 253) return `"${text}" has an invalid domain`;
  if (local === '*') return { kind: 'domain', domain };
  if (!LOCAL_PART.test(local)) return explain(text);
  return { kind: 'address', local: local.toLowerCase(), domain };
}

function explain(text: string): string {
  return `"${text}" is not a pattern: use "*", "*@domain" or "name@domain"`;
}

export function matchesEmail(pattern: EmailPattern, user: string): boolean {
  if (pattern.kind === 'everyone') return true;
  const at = user.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = user.slice(at + 1).toLowerCase();
  if (domain !== pattern.domain) return false;
  return pattern.kind === 'domain' || user.slice(0, at).toLowerCase() === pattern.local;
}

/**
 * Why no identity the server accepts could ever match this pattern (e.g. a domain without a dot, or
 * an address past the 254-character limit), or null when some identity can. Checked by trying a
 * representative address through the same normalisation real identities go through.
 */
export function whyNeverMatches(pattern: EmailPattern, normalise: (email: string) => string | null): string | null {
  if (pattern.kind === 'everyone') return null;
  const example = `${pattern.kind === 'address' ? pattern.local : 'a'}@${pattern.domain}`;
  return normalise(example) === null ? `no accepted identity looks like ${pattern.kind === 'domain' ? `*@${pattern.domain}` : example}` : null;
}
