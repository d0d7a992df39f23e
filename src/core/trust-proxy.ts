/** @module TRUST_PROXY and TRUST_PROXY_HEADER: which peers' forwarding header is believed, and which one header that is. */
import ipaddr from 'ipaddr.js';
import { isIPv6, parseIp, type IpAddress } from './ip-address.ts';

/** An address and a prefix length, as ipaddr.js matches them. */
export type IpRange = readonly [IpAddress, number];

export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  /** `cidrs` as the operator wrote them (lower case), `ranges` as parsed. */
  | { readonly kind: 'cidrs'; readonly cidrs: readonly string[]; readonly ranges: readonly IpRange[] };

/**
 * The one forwarding header believed from a trusted proxy, with its scheme: `X-Forwarded-For` +
 * `X-Forwarded-Proto`, or RFC 7239 `Forwarded` (`for=` + `proto=`). Never both: a proxy that
 * appends to one passes the other through from the client untouched.
 */
export type TrustProxyHeader = 'x-forwarded-for' | 'forwarded';
export const TRUST_PROXY_HEADERS: readonly TrustProxyHeader[] = ['x-forwarded-for', 'forwarded'];

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const PREFIX_DIGITS = /^\d{1,3}$/;

/** One `address[/prefix]` entry, or undefined when it is not exactly that (a bare address is one host). */
function parseRange(entry: string): IpRange | undefined {
  const [addressText = '', prefixText, extra] = entry.split('/');
  if (extra !== undefined || addressText.includes('%')) return undefined;
  const address = parseIp(addressText);
  if (!address) return undefined;
  const maxPrefix = isIPv6(address) ? 128 : 32;
  if (prefixText === undefined) return [address, maxPrefix];
  if (!PREFIX_DIGITS.test(prefixText)) return undefined;
  const written = Number(prefixText);
  // A range written in IPv4-mapped IPv6 (`::ffff:10.0.0.0/104`) is that IPv4 range (`10.0.0.0/8`);
  // one wider than the mapped block stays IPv6, and IPv4 addresses are matched against it mapped.
  if (!isIPv6(address) && addressText.includes(':')) {
    if (written > 128) return undefined;
    return written >= 96 ? [address, written - 96] : [address.toIPv4MappedAddress(), written];
  }
  return written <= maxPrefix ? [address, written] : undefined;
}

/** `::ffff:0.0.0.0`: an IPv6 range that holds it holds every IPv4-mapped address (prefixes ≤ 96 hold all or none). */
const MAPPED_BLOCK = ipaddr.IPv6.parse('::ffff:0:0');
const ALL_IPV4: IpRange = [ipaddr.IPv4.parse('0.0.0.0'), 0];

/** Parses `false`, `loopback`, a hop count, or a comma list of CIDRs; returns an error message on failure. */
export function parseTrustProxy(text: string): TrustProxy | string {
  const value = text.trim().toLowerCase();
  if (value === 'false' || value === '0' || value === 'none') return { kind: 'none' };
  if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) };
  const cidrs = value === 'loopback' ? LOOPBACK : value.split(',').map((part) => part.trim()).filter(Boolean);
  const ranges: IpRange[] = [];
  for (const cidr of cidrs) {
    for (const entry of cidr === 'loopback' ? LOOPBACK : [cidr]) {
      const range = parseRange(entry);
      if (!range) return `must be false, loopback, a hop count, or a comma list of CIDRs (bad entry ${JSON.stringify(cidr)})`;
      ranges.push(range);
      // Addresses are matched in their canonical form (mapped IPv6 unmapped to IPv4), so an IPv6
      // range over the whole mapped block (`::/0`, `::ffff:0:0/96`) must hold every IPv4 address too.
      const [network, prefix] = range;
      if (isIPv6(network) && prefix <= 96 && MAPPED_BLOCK.match(network, prefix)) ranges.push(ALL_IPV4);
    }
  }
  return { kind: 'cidrs', cidrs, ranges };
}

/** Whether a peer (or a hop it forwarded) is a trusted proxy; text that is not one address never is. */
export function isTrustedPeer(trust: TrustProxy, address: string | IpAddress): boolean {
  if (trust.kind === 'none') return false;
  if (trust.kind === 'hops') return true;
  const parsed = typeof address === 'string' ? parseIp(address) : address;
  if (parsed === undefined) return false;
  const kind = parsed.kind();
  return trust.ranges.some(([network, prefix]) => network.kind() === kind && parsed.match(network, prefix));
}
