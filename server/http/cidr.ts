import { isIPv4, isIPv6 } from 'node:net';

/** A parsed CIDR block. IPv4 addresses are kept as IPv4-mapped IPv6 so one comparison covers both. */
export interface Cidr {
  readonly text: string;
  readonly base: bigint;
  readonly prefix: number; // in IPv6 bits
}

function ipv4ToBigInt(ip: string): bigint {
  const parts = ip.split('.').map(Number);
  let n = 0n;
  for (const p of parts) n = (n << 8n) | BigInt(p);
  return (0xffffn << 32n) | n; // ::ffff:a.b.c.d
}

function ipv6ToBigInt(ip: string): bigint {
  let addr = ip;
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  // Embedded IPv4 tail (::ffff:1.2.3.4)
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  let tailGroups: string[] = [];
  if (isIPv4(tail)) {
    const v = ipv4ToBigInt(tail) & 0xffffffffn;
    tailGroups = [((v >> 16n) & 0xffffn).toString(16), (v & 0xffffn).toString(16)];
    addr = addr.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = addr.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...restGroups];
  if (tailGroups.length) groups.splice(6, 2, ...tailGroups);
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
  return n;
}

/** Converts an address as a socket reports it to a comparable number, or null when it is not an IP. */
export function ipToBigInt(ip: string): bigint | null {
  const trimmed = ip.trim();
  if (isIPv4(trimmed)) return ipv4ToBigInt(trimmed);
  if (isIPv6(trimmed)) return ipv6ToBigInt(trimmed);
  return null;
}

export function parseCidr(text: string): Cidr {
  const [addr = '', prefixText] = text.trim().split('/');
  const n = ipToBigInt(addr);
  if (n === null) throw new Error(`"${text}" is not an IP address or CIDR block`);
  const v4 = isIPv4(addr);
  const max = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new Error(`"${text}" has an invalid prefix length`);
  }
  const bits = v4 ? prefix + 96 : prefix;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return { text: text.trim(), base: n & mask, prefix: bits };
}

export function parseCidrList(list: string): Cidr[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseCidr);
}

export function ipInCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const n = ipToBigInt(ip);
  if (n === null) return false;
  return cidrs.some((c) => {
    const mask = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << BigInt(128 - c.prefix);
    return (n & mask) === c.base;
  });
}
