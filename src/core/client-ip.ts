/** @module The client's address and scheme, believing one forwarding header, and only from trusted proxies. */
import { canonicalIPv4, formatIp, isIPv6, normalizeIp, parseIp, type IpAddress } from './ip-address.ts';
import { isTrustedPeer, type TrustProxy, type TrustProxyHeader } from './trust-proxy.ts';

export interface ClientAddress {
  /** The client's IP as far as it can be trusted, in canonical form; never empty. */
  readonly ip: string;
  /** Whether the client's request arrived over HTTPS (directly or via a trusted proxy). */
  readonly secure: boolean;
}

/** One hop of a forwarding header: the address a proxy received the request from, and over what. */
interface Hop {
  readonly address: IpAddress | undefined;
  /** `proto=https` (RFC 7239) as that proxy saw it; undefined when unsaid or unreadable. */
  readonly secure: boolean | undefined;
}

const NOT_A_HOP: Hop = { address: undefined, secure: undefined };

/**
 * `"…"` → its content (with `\x` escapes), a token as is, undefined for anything else. Besides
 * RFC 7230 token characters, `:` and `[]` pass unquoted: proxies write `for=192.0.2.1:4711`.
 */
function unquote(value: string): string | undefined {
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined;
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return /^[!#$%&'*+.^_`|~0-9A-Za-z:[\]-]+$/.test(value) ? value : undefined;
}

const BRACKETED = /^\[([^\]]+)\](?::(?:\d{1,5}|_[\w.-]+))?$/;
const IPV4_WITH_PORT = /^([\d.]+)(?::(?:\d{1,5}|_[\w.-]+))?$/;

/** A `for=` node: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`; `unknown` and `_hidden` are no address. */
function forwardedNode(node: string): IpAddress | undefined {
  const bracketed = BRACKETED.exec(node);
  if (bracketed) return bracketed[1]?.includes(':') ? parseIp(bracketed[1]) : undefined;
  const ipv4 = IPV4_WITH_PORT.exec(node);
  if (ipv4) return parseIp(ipv4[1] ?? '');
  // RFC 7239 wants IPv6 in brackets; a bare one is still one address (no port can be read off it).
  return node.includes(':') ? parseIp(node) : undefined;
}

/**
 * One RFC 7239 element (`for=…;proto=…;by=…`). Commas are never taken as quoted: a client's
 * element cannot swallow the one its proxy appends. A repeated parameter (forbidden by §4) or a
 * malformed pair makes the whole element no hop, which stops the walk there.
 */
function parseForwardedElement(element: string): Hop {
  let forNode: string | undefined;
  let proto: string | undefined;
  const seen = new Set<string>();
  for (const pair of element.split(';')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim().toLowerCase();
    const value = eq > 0 ? unquote(pair.slice(eq + 1).trim()) : undefined;
    if (value === undefined || seen.has(name)) return NOT_A_HOP;
    seen.add(name);
    if (name === 'for') forNode = value;
    else if (name === 'proto') proto = value.toLowerCase();
  }
  return { address: forNode === undefined ? undefined : forwardedNode(forNode), secure: proto === undefined ? undefined : proto === 'https' };
}

/** A forwarding header as hops, left (the client's claim) to right (the nearest proxy), read lazily. */
interface Chain {
  readonly length: number;
  hop(index: number): Hop;
}

function xForwardedForChain(raw: string | null): Chain {
  const parts = raw ? raw.split(',') : [];
  return { length: parts.length, hop: (i) => ({ address: parseIp(parts[i] ?? ''), secure: undefined }) };
}

function forwardedChain(raw: string | null): Chain {
  const elements = raw ? raw.split(',') : [];
  return { length: elements.length, hop: (i) => parseForwardedElement(elements[i] ?? '') };
}

/**
 * Walks the chain from the right. `client` is the index of the client's hop (-1: the peer itself);
 * `read` is the last hop read, written by the outermost trusted proxy, whose `proto=` is the scheme.
 */
function walkChain(chain: Chain, trust: TrustProxy): { client: Hop | undefined; read: Hop | undefined } {
  if (trust.kind === 'hops') {
    const index = Math.max(0, chain.length - trust.hops);
    if (index >= chain.length) return { client: undefined, read: undefined };
    const hop = chain.hop(index);
    return { client: hop.address ? hop : undefined, read: hop };
  }
  let client: Hop | undefined;
  let read: Hop | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    read = chain.hop(i);
    if (!read.address) break;
    client = read;
    if (!isTrustedPeer(trust, read.address)) break;
  }
  return { client, read };
}

/**
 * Resolves the client from the socket peer and, when the peer is trusted, the one forwarding header
 * the operator named (TRUST_PROXY_HEADER): the right-most address that is not itself a trusted
 * proxy. A spoofed left part never wins, and the other header is never looked at: a proxy that
 * writes one passes the other through from the client untouched.
 */
export function resolveClientAddress(peerAddress: string, peerSecure: boolean, headers: Headers, trust: TrustProxy, header: TrustProxyHeader): ClientAddress {
  if (trust.kind === 'none') {
    const v4 = canonicalIPv4(peerAddress);
    if (v4 !== undefined) return { ip: v4, secure: peerSecure };
  }
  const peerIp = parseIp(peerAddress || '0.0.0.0');
  const peer = peerIp ? formatIp(peerIp) : normalizeIp(peerAddress);
  if (trust.kind === 'none' || !peerIp || !isTrustedPeer(trust, peerIp)) return { ip: peer, secure: peerSecure };
  if (header === 'forwarded') {
    const { client, read } = walkChain(forwardedChain(headers.get('forwarded')), trust);
    return { ip: client?.address ? formatIp(client.address) : peer, secure: read?.secure ?? peerSecure };
  }
  const { client } = walkChain(xForwardedForChain(headers.get('x-forwarded-for')), trust);
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return { ip: client?.address ? formatIp(client.address) : peer, secure: proto === undefined ? peerSecure : proto === 'https' };
}

/** The first `prefixLength` bits of an IPv6 address as `group:…::/prefix` (the format stored keys and session bindings already use). */
function ipv6Prefix(parts: readonly number[], prefixLength: number): string {
  const kept = Math.ceil(prefixLength / 16);
  const groups = parts.slice(0, kept).map((group, i) => {
    const bitsLeft = prefixLength - i * 16;
    return bitsLeft >= 16 ? group : group & (0xffff << (16 - bitsLeft)) & 0xffff;
  });
  return groups.map((g) => g.toString(16)).join(':') + `::/${prefixLength}`;
}

/** The client's network: /24 for IPv4, /64 for IPv6 — what session protection binds to. */
export function clientNetwork(ip: string): string {
  const v4 = canonicalIPv4(ip);
  if (v4 !== undefined) return `${v4.slice(0, v4.lastIndexOf('.'))}.0/24`;
  const address = parseIp(ip);
  if (!address) return normalizeIp(ip);
  if (isIPv6(address)) return ipv6Prefix(address.parts, 64);
  return address.octets.slice(0, 3).join('.') + '.0/24';
}

/**
 * Whom a rate limit counts: an IPv4 address as itself, an IPv6 client by its /64 (configurable) —
 * one customer's whole allocation, so rotating addresses inside it buys no fresh budget. Every
 * spelling of an address (IPv4-mapped in hex or dotted, upper case, zone id) is one bucket.
 */
export function clientBucket(ip: string, ipv6PrefixLength = 64): string {
  const v4 = canonicalIPv4(ip);
  if (v4 !== undefined) return v4;
  const address = parseIp(ip);
  if (!address) return normalizeIp(ip);
  return isIPv6(address) ? ipv6Prefix(address.parts, ipv6PrefixLength) : formatIp(address);
}
