/** @module TRUST_PROXY: which peers' `X-Forwarded-*` headers are believed. */
import { BlockList, isIP } from 'node:net';

export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly string[]; readonly list: BlockList };

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** Parses `false`, `loopback`, a hop count, or a comma list of CIDRs; returns an error message on failure. */
export function parseTrustProxy(text: string): TrustProxy | string {
  const value = text.trim().toLowerCase();
  if (value === 'false' || value === '0' || value === 'none') return { kind: 'none' };
  if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) };
  const cidrs = value === 'loopback' ? LOOPBACK : value.split(',').map((part) => part.trim()).filter(Boolean);
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefixText] = cidr === 'loopback' ? [] : cidr.split('/');
    if (cidr === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addSubnet('::1', 128, 'ipv6');
      continue;
    }
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      return `must be false, loopback, a hop count, or a comma list of CIDRs (bad entry ${JSON.stringify(cidr)})`;
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return { kind: 'cidrs', cidrs, list };
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so that one client is one client whichever way it arrived. */
export function normalizeIp(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped?.[1] ?? lower;
}

export function isTrustedPeer(trust: TrustProxy, address: string): boolean {
  if (trust.kind === 'none') return false;
  if (trust.kind === 'hops') return true;
  const family = isIP(address);
  return family !== 0 && trust.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
