/**
 * Which addresses Clearing Central calls from: several addresses or CIDR blocks, IPv4
 * or IPv6 (the original compares one exact string). Forwarded bills carry no secret of
 * their own, so this is one of the two things that tell Clearing Central from anyone
 * else (the other is the data_url's secret path segment).
 */
import net from 'node:net';

/** IPv4 callers reach a dual-stack socket as ::ffff:a.b.c.d. */
const plain = (ip: string): string => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** "203.0.113.7", "203.0.113.0/24", "2001:db8::/32": valid, or the reason it is not. */
export function checkEntry(entry: string): string | null {
  const [addr, prefix, extra] = entry.split('/');
  const family = net.isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return `${entry} is not an address or CIDR block`;
  if (prefix === undefined) return null;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits < 0 || bits > (family === 4 ? 32 : 128) ? `${entry}: the prefix must be 0..${family === 4 ? 32 : 128}` : null;
}

export interface Allowlist {
  allows(ip: string): boolean;
}

/** Entries already checked with checkEntry (the governance schema and operation do). */
export function allowlist(entries: readonly string[]): Allowlist {
  const list = new net.BlockList();
  for (const e of entries) {
    const [addr, prefix] = e.split('/');
    const type = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(prefix), type);
  }
  return {
    allows(ip) {
      const a = plain(ip);
      const family = net.isIP(a);
      return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
