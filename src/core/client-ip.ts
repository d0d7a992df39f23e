/** @module The client's address and scheme, believing forwarding headers only from trusted proxies. */
import { isIP } from 'node:net';
import { isTrustedPeer, normalizeIp, type TrustProxy } from './trust-proxy.ts';

export interface ClientAddress {
  /** The client's IP as far as it can be trusted; never empty. */
  readonly ip: string;
  /** Whether the client's request arrived over HTTPS (directly or via a trusted proxy). */
  readonly secure: boolean;
}

/** `for=` of one RFC 7239 element: `192.0.2.1`, `"[2001:db8::1]:4711"`, `_hidden`, `unknown`. */
function forwardedNode(value: string): string {
  let node = value.trim().replace(/^"|"$/g, '');
  if (node.startsWith('[')) node = node.slice(1, node.indexOf(']') === -1 ? undefined : node.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(node)) node = node.slice(0, node.lastIndexOf(':'));
  return normalizeIp(node);
}

/** The RFC 7239 `Forwarded` chain (`for=` and the first `proto=`), or undefined when absent. */
function parseForwarded(raw: string | null): { chain: string[]; proto: string | undefined } | undefined {
  if (!raw) return undefined;
  const chain: string[] = [];
  let proto: string | undefined;
  for (const element of raw.split(',')) {
    let forNode: string | undefined;
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim().toLowerCase();
      const value = pair.slice(eq + 1).trim();
      if (name === 'for') forNode = forwardedNode(value);
      else if (name === 'proto') proto ??= value.replace(/^"|"$/g, '').toLowerCase();
    }
    chain.push(forNode ?? '');
  }
  return { chain, proto };
}

/** The forwarding chain, left (client) to right (nearest proxy): RFC 7239 `Forwarded` first, else `X-Forwarded-For`. */
function forwardedChain(headers: Headers): { chain: string[]; proto: string | undefined } {
  const forwarded = parseForwarded(headers.get('forwarded'));
  if (forwarded) return { chain: forwarded.chain, proto: forwarded.proto ?? xForwardedProto(headers) };
  const raw = headers.get('x-forwarded-for');
  return { chain: raw ? raw.split(',').map((part) => normalizeIp(part)) : [], proto: xForwardedProto(headers) };
}

function xForwardedProto(headers: Headers): string | undefined {
  return headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
}

/**
 * Resolves the client from the socket peer and, when the peer is trusted, `X-Forwarded-For`:
 * the right-most address that is not itself a trusted proxy. A spoofed left part never wins.
 */
export function resolveClientAddress(peerAddress: string, peerSecure: boolean, headers: Headers, trust: TrustProxy): ClientAddress {
  const peer = normalizeIp(peerAddress || '0.0.0.0');
  if (trust.kind === 'none' || !isTrustedPeer(trust, peer)) return { ip: peer, secure: peerSecure };
  const { chain, proto } = forwardedChain(headers);
  const secure = proto === undefined ? peerSecure : proto === 'https';
  if (chain.length === 0) return { ip: peer, secure };
  if (trust.kind === 'hops') {
    const hops = [...chain, peer];
    const candidate = hops[Math.max(0, hops.length - 1 - trust.hops)] ?? peer;
    return { ip: isIP(candidate) ? candidate : peer, secure };
  }
  let client = peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] ?? '';
    if (!isIP(hop)) break;
    client = hop;
    if (!isTrustedPeer(trust, hop)) break;
  }
  return { ip: client, secure };
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail becomes two groups). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array<string>(missing).fill('0'), ...tailParts].map((g) => parseInt(g || '0', 16));
}

/** The first `prefixLength` bits of an IPv6 address, as `group:…::/prefix`. */
function ipv6Prefix(ip: string, prefixLength: number): string {
  const groups = ipv6Groups(ip).map((group, i) => {
    const bitsLeft = prefixLength - i * 16;
    if (bitsLeft >= 16) return group;
    if (bitsLeft <= 0) return 0;
    return group & (0xffff << (16 - bitsLeft)) & 0xffff;
  });
  const kept = Math.ceil(prefixLength / 16);
  return groups.slice(0, kept).map((g) => g.toString(16)).join(':') + `::/${prefixLength}`;
}

/** The client's network: /24 for IPv4, /64 for IPv6 — what session protection binds to. */
export function clientNetwork(ip: string): string {
  const address = normalizeIp(ip);
  if (isIP(address) === 4) return address.split('.').slice(0, 3).join('.') + '.0/24';
  if (isIP(address) === 6) return ipv6Prefix(address, 64);
  return address;
}

/**
 * Whom a rate limit counts: an IPv4 address as itself, an IPv6 client by its /64 (configurable) —
 * one customer's whole allocation, so rotating addresses inside it buys no fresh budget.
 */
export function clientBucket(ip: string, ipv6PrefixLength = 64): string {
  const address = normalizeIp(ip);
  return isIP(address) === 6 ? ipv6Prefix(address, ipv6PrefixLength) : address;
}
